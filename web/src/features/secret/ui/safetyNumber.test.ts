import { describe, expect, it } from 'vitest'
import type { DeviceIdentity } from '../index'
import { canonicalIdentities, encodeIdentities, safetyGroups, safetyNumber, safetyQrText } from './safetyNumber'

/** A 32-byte key, base64, every byte `fill` (an Ed25519 public key's size). */
function key(fill: number): string {
  return btoa(String.fromCharCode(...new Array<number>(32).fill(fill)))
}

const alice1: DeviceIdentity = { userId: 1, deviceId: 'a-laptop', signatureKey: key(1) }
const alice2: DeviceIdentity = { userId: 1, deviceId: 'a-phone', signatureKey: key(2) }
const bob1: DeviceIdentity = { userId: 2, deviceId: 'b-laptop', signatureKey: key(3) }
const bob2: DeviceIdentity = { userId: 2, deviceId: 'b-phone', signatureKey: key(4) }

describe('safetyNumber', () => {
  it('is 60 digits in 12 groups of 5', async () => {
    const digits = await safetyNumber([alice1, bob1])
    expect(digits).toMatch(/^\d{60}$/)
    const groups = safetyGroups(digits)
    expect(groups).toHaveLength(12)
    for (const g of groups) expect(g).toMatch(/^\d{5}$/)
    expect(groups.join('')).toBe(digits)
  })

  // Fewer rounds where the property does not depend on their number: the full 5,200 are
  // slow on a busy test machine, and the first test above runs them.
  const few = 64

  it('is the same whatever order the devices come in', async () => {
    const one = await safetyNumber([alice1, alice2, bob1, bob2], few)
    expect(await safetyNumber([bob2, alice2, bob1, alice1], few)).toBe(one)
    expect(await safetyNumber([bob1, alice1, bob2, alice2, bob1], few)).toBe(one) // a repeat counts once
  })

  it('changes when one key changes, a device is added or one moves to another user', async () => {
    const one = await safetyNumber([alice1, bob1], few)
    expect(await safetyNumber([alice1, { ...bob1, signatureKey: key(9) }], few)).not.toBe(one)
    expect(await safetyNumber([alice1, bob1, bob2], few)).not.toBe(one)
    expect(await safetyNumber([alice1, { ...bob1, userId: 3 }], few)).not.toBe(one)
    expect(await safetyNumber([alice1, { ...bob1, deviceId: 'b-tablet' }], few)).not.toBe(one)
  })

  it('is deterministic, and the rounds matter', async () => {
    const a = await safetyNumber([alice1, bob1], 3)
    expect(await safetyNumber([alice1, bob1], 3)).toBe(a)
    expect(await safetyNumber([alice1, bob1], 4)).not.toBe(a)
  })

  it('derives each group from 5 hash bytes mod 100000 after the SHA-512 rounds', async () => {
    // Recomputed here the long way for 2 rounds: H1 = SHA-512(E), H2 = SHA-512(H1 ‖ E).
    const encoded = encodeIdentities([alice1, bob1])
    const h1 = new Uint8Array(await crypto.subtle.digest('SHA-512', encoded))
    const joined = new Uint8Array(h1.length + encoded.length)
    joined.set(h1)
    joined.set(encoded, h1.length)
    const h2 = new Uint8Array(await crypto.subtle.digest('SHA-512', joined))
    let expected = ''
    for (let g = 0; g < 12; g++) {
      let v = 0n
      for (let i = 0; i < 5; i++) v = (v << 8n) | BigInt(h2[g * 5 + i] ?? 0)
      expected += String(v % 100000n).padStart(5, '0')
    }
    expect(await safetyNumber([bob1, alice1], 2)).toBe(expected)
  })

  it('sorts by user id numerically, then device id', () => {
    const ten: DeviceIdentity = { userId: 10, deviceId: 'x', signatureKey: key(5) }
    expect(canonicalIdentities([ten, bob2, alice2, bob1, alice1]).map((d) => d.deviceId))
      .toEqual(['a-laptop', 'a-phone', 'b-laptop', 'b-phone', 'x'])
  })

  it('puts the chat and the version in the QR text', () => {
    expect(safetyQrText(42, '1'.repeat(60))).toBe(`shomik-safety:1:42:${'1'.repeat(60)}`)
  })
})
