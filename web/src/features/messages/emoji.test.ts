import { describe, expect, it } from 'vitest'
import { bigEmojiCount } from './emoji'

describe('bigEmojiCount', () => {
  it('counts one to three emoji, with spaces between them', () => {
    expect(bigEmojiCount('😂')).toBe(1)
    expect(bigEmojiCount(' 😂 😮 ')).toBe(2)
    expect(bigEmojiCount('👍🔥❤️')).toBe(3)
  })

  it('treats modifiers, ZWJ sequences, flags and keycaps as one emoji each', () => {
    expect(bigEmojiCount('👍🏽')).toBe(1)
    expect(bigEmojiCount('👨‍👩‍👧‍👦')).toBe(1)
    expect(bigEmojiCount('🇷🇺🇬🇧')).toBe(2)
    expect(bigEmojiCount('1️⃣')).toBe(1)
  })

  it('is 0 for text, digits, punctuation, more than three emoji or nothing', () => {
    expect(bigEmojiCount('ok 👍')).toBe(0)
    expect(bigEmojiCount('1')).toBe(0)
    expect(bigEmojiCount('#')).toBe(0)
    expect(bigEmojiCount('😂!')).toBe(0)
    expect(bigEmojiCount('😂😂😂😂')).toBe(0)
    expect(bigEmojiCount('')).toBe(0)
    expect(bigEmojiCount('   ')).toBe(0)
  })
})
