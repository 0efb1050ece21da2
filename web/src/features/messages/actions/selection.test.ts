import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { rangeIds, useSelectionStore } from './selection'

beforeEach(() => { setActivePinia(createPinia()) })

describe('rangeIds', () => {
  const ordered = [10, 20, 30, 40, 50]
  it('spans anchor to target in timeline order, either direction', () => {
    expect(rangeIds(ordered, 20, 40)).toEqual([20, 30, 40])
    expect(rangeIds(ordered, 50, 30)).toEqual([30, 40, 50])
    expect(rangeIds(ordered, 30, 30)).toEqual([30])
  })
  it('falls back to the target alone without an anchor, and to nothing for an unknown target', () => {
    expect(rangeIds(ordered, null, 20)).toEqual([20])
    expect(rangeIds(ordered, 99, 20)).toEqual([20])
    expect(rangeIds(ordered, 20, 99)).toEqual([])
  })
})

describe('selection store', () => {
  const ordered = [10, 20, 30, 40, 50]
  it('starts with one message, toggles, and extends with Shift from the last click', () => {
    const s = useSelectionStore()
    s.start(7, 20)
    expect(s.active(7)).toBe(true)
    expect(s.active(8)).toBe(false)
    s.extend(ordered, 40)
    expect([...s.ids].sort()).toEqual([20, 30, 40])
    s.toggle(30)
    expect([...s.ids].sort()).toEqual([20, 40])
    // The anchor moved to 30 (the last plain click): Shift+click on 50 adds 30..50.
    s.extend(ordered, 50)
    expect([...s.ids].sort()).toEqual([20, 30, 40, 50])
    expect(s.count).toBe(4)
  })
  it('ends when the last message is unselected or deleted', () => {
    const s = useSelectionStore()
    s.start(7, 20)
    s.toggle(20)
    expect(s.chatId).toBeNull()
    s.start(7, 20)
    s.toggle(30)
    s.forget([20, 30])
    expect(s.chatId).toBeNull()
    expect(s.count).toBe(0)
  })
  it('starting in another chat drops the old selection', () => {
    const s = useSelectionStore()
    s.start(7, 20)
    s.toggle(30)
    s.start(8, 5)
    expect([...s.ids]).toEqual([5])
    expect(s.active(7)).toBe(false)
  })
})
