import { describe, expect, it, vi } from 'vitest'
import { uuid, uuidFromRandom, type RandomSource } from './uuid'

const V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

function fixed(byte: number): RandomSource {
  return {
    getRandomValues<T extends ArrayBufferView>(array: T): T {
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).fill(byte)
      return array
    },
  }
}

describe('uuid', () => {
  it('uses crypto.randomUUID when the context has it', () => {
    const randomUUID = vi.fn(() => '3f1c0b9e-0000-4000-8000-000000000000')
    const drawn = vi.fn()
    const getRandomValues = <T extends ArrayBufferView>(a: T): T => {
      drawn()
      return a
    }
    expect(uuid({ randomUUID, getRandomValues })).toBe('3f1c0b9e-0000-4000-8000-000000000000')
    expect(drawn).not.toHaveBeenCalled()
  })

  it('builds a v4 UUID from getRandomValues in an insecure context (no randomUUID)', () => {
    const source: RandomSource = { getRandomValues: (a) => crypto.getRandomValues(a) }
    const ids = new Set(Array.from({ length: 200 }, () => uuid(source)))
    expect(ids.size).toBe(200)
    for (const id of ids) expect(id).toMatch(V4)
  })

  it('sets the version and variant bits whatever the random bytes are', () => {
    expect(uuidFromRandom(fixed(0xff))).toBe('ffffffff-ffff-4fff-bfff-ffffffffffff')
    expect(uuidFromRandom(fixed(0x00))).toBe('00000000-0000-4000-8000-000000000000')
  })

  it('matches the outbox clientId rule (1-64 chars of A-Z a-z 0-9 _ . : -)', () => {
    expect(uuid()).toMatch(/^[A-Za-z0-9_.:-]{1,64}$/)
  })
})
