import { beforeEach, describe, expect, it } from 'vitest'
import { isPlayed, markPlayed } from './played'

describe('played voice messages', () => {
  beforeEach(() => { localStorage.clear() })

  it('are remembered per user, in localStorage', () => {
    expect(isPlayed(1, 'a')).toBe(false)
    markPlayed(1, 'a')
    expect(isPlayed(1, 'a')).toBe(true)
    expect(isPlayed(2, 'a')).toBe(false)
    expect(JSON.parse(localStorage.getItem('shomik.voicePlayed.1') ?? '[]')).toEqual(['a'])
  })
})
