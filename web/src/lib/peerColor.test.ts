import { describe, expect, it } from 'vitest'
import { PEER_COLORS, peerColor, peerNameColor } from './peerColor'

describe('peerColor', () => {
  it('gives the same id the same colour every time', () => {
    expect(peerColor(42)).toBe(peerColor(42))
    expect(peerNameColor(42)).toBe(peerNameColor(42))
  })

  it('cycles through the palette by id', () => {
    const seen = new Set(Array.from({ length: PEER_COLORS.length }, (_, i) => peerColor(i + 1)))
    expect(seen.size).toBe(PEER_COLORS.length)
    expect(peerColor(1)).toBe(peerColor(1 + PEER_COLORS.length))
    expect(peerColor(3)).not.toBe(peerColor(4))
  })

  it('never returns undefined for odd ids (negative, zero, fractional)', () => {
    for (const id of [-5, 0, 2.7, Number.MAX_SAFE_INTEGER]) {
      expect(PEER_COLORS).toContain(peerColor(id))
      expect(peerNameColor(id)).toMatch(/^var\(--peer-name-[0-6]\)$/)
    }
  })

  it('keeps a person recognisable: the name colour follows the avatar colour index', () => {
    const a = PEER_COLORS.indexOf(peerColor(10) as (typeof PEER_COLORS)[number])
    const b = PEER_COLORS.indexOf(peerColor(17) as (typeof PEER_COLORS)[number])
    expect(a).toBe(b)
    expect(peerNameColor(10)).toBe(`var(--peer-name-${a})`)
    expect(peerNameColor(17)).toBe(peerNameColor(10))
  })
})
