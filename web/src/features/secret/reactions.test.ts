import { describe, expect, it } from 'vitest'
import { ReactionLog, type ReactionMark } from './reactions'

const marks: ReactionMark[] = [
  { target: 1, emoji: '👍', userId: 2, on: true, seq: 10 },
  { target: 1, emoji: '👍', userId: 3, on: true, seq: 11 },
  { target: 1, emoji: '👍', userId: 2, on: false, seq: 12 },
  { target: 1, emoji: '❤️', userId: 2, on: true, seq: 13 },
  { target: 2, emoji: '🔥', userId: 3, on: true, seq: 14 },
]

describe('secret reactions', () => {
  it('gives the same reactions whatever order the control messages are read in', () => {
    const forward = new ReactionLog()
    for (const m of marks) forward.apply(m)
    const backward = new ReactionLog()
    for (const m of [...marks].reverse()) backward.apply(m)
    expect(forward.of(1)).toEqual({ '👍': [3], '❤️': [2] })
    expect(backward.of(1)).toEqual(forward.of(1))
    expect(backward.of(2)).toEqual({ '🔥': [3] })
  })

  it('says when a mark changed what is shown, and ignores a stale one', () => {
    const log = new ReactionLog()
    expect(log.apply({ target: 1, emoji: '👍', userId: 2, on: true, seq: 5 })).toBe(true)
    expect(log.apply({ target: 1, emoji: '👍', userId: 2, on: false, seq: 4 })).toBe(false)
    expect(log.of(1)).toEqual({ '👍': [2] })
    log.forget(1)
    expect(log.of(1)).toEqual({})
  })
})
