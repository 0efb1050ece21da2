import { describe, expect, it } from 'vitest'
import { dayLabel, fileSize, lastSeen, listTime } from './format'

const now = new Date(2026, 10, 24, 15, 0, 0)
const at = (d: number, h: number, m = 0): string => new Date(2026, 10, d, h, m).toISOString()

describe('format', () => {
  it('says when someone was last seen, coarser as it gets older', () => {
    expect(lastSeen(null, now)).toBe('last seen a long time ago')
    expect(lastSeen(at(24, 14, 59), now)).toBe('last seen 1 minute ago')
    expect(lastSeen(at(24, 14, 20), now)).toBe('last seen 40 minutes ago')
    expect(lastSeen(at(24, 9), now)).toMatch(/^last seen at /)
    expect(lastSeen(at(23, 9), now)).toMatch(/^last seen yesterday at /)
    expect(lastSeen(at(2, 9), now)).toMatch(/^last seen \S+/)
  })

  it('labels days in the timeline', () => {
    expect(dayLabel(at(24, 1), now)).toBe('Today')
    expect(dayLabel(at(23, 23), now)).toBe('Yesterday')
    expect(dayLabel(at(20, 12), now)).not.toMatch(/2026/)
    expect(dayLabel(new Date(2025, 0, 5).toISOString(), now)).toMatch(/2025/)
  })

  it('shows a clock time today and a weekday this week in the chat list', () => {
    expect(listTime(at(24, 9, 5), now)).toMatch(/09|9/)
    expect(listTime(at(21, 9), now)).toBe(new Date(2026, 10, 21).toLocaleDateString(undefined, { weekday: 'short' }))
  })

  it('sizes files', () => {
    expect(fileSize(900)).toBe('900 B')
    expect(fileSize(1536)).toBe('1.5 KB')
    expect(fileSize(3 * 1024 * 1024)).toBe('3.0 MB')
  })
})
