import { describe, expect, it } from 'vitest'
import { changedMembers, mergeSnapshot, snapshotOf } from './snapshot'

const a1 = { userId: 1, deviceId: 'a1', signatureKey: 'AAAA' }
const b1 = { userId: 2, deviceId: 'b1', signatureKey: 'BBBB' }
const b2 = { userId: 2, deviceId: 'b2', signatureKey: 'CCCC' }

describe('snapshot', () => {
  it('groups devices by member, in one order', () => {
    expect(snapshotOf([b2, a1, b1])).toEqual({ 1: ['a1:AAAA'], 2: ['b1:BBBB', 'b2:CCCC'] })
    expect(snapshotOf([b1, b2, a1])).toEqual(snapshotOf([b2, a1, b1]))
  })

  it('reports members whose devices were added, removed or re-keyed', () => {
    const before = snapshotOf([a1, b1])
    expect(changedMembers(before, snapshotOf([a1, b1]))).toEqual([])
    expect(changedMembers(before, snapshotOf([a1, b1, b2]))).toEqual([2])
    expect(changedMembers(snapshotOf([a1, b1, b2]), snapshotOf([a1, b1]))).toEqual([2])
    expect(changedMembers(before, snapshotOf([{ ...a1, signatureKey: 'ZZZZ' }, { ...b1, signatureKey: 'YYYY' }]))).toEqual([1, 2])
  })

  it('does not call a first look or a newcomer a change', () => {
    expect(changedMembers(null, snapshotOf([a1, b1]))).toEqual([])
    expect(changedMembers(snapshotOf([a1]), snapshotOf([a1, b1]))).toEqual([])
  })

  it('keeps a member who has no device now, so coming back with another key is noticed', () => {
    const kept = mergeSnapshot(snapshotOf([a1, b1]), snapshotOf([a1]))
    expect(kept).toEqual(snapshotOf([a1, b1]))
    expect(changedMembers(kept, snapshotOf([a1, { ...b1, deviceId: 'b9', signatureKey: 'EVIL' }]))).toEqual([2])
  })
})
