// Ids for messages the client writes (the outbox's clientId). `crypto.randomUUID` exists
// only in secure contexts: a self-hosted server opened over plain http on a LAN address is
// not one, so there the UUID is built from `getRandomValues`, which every context has.

export interface RandomSource {
  getRandomValues<T extends ArrayBufferView>(array: T): T
  randomUUID?: () => string
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** An RFC 4122 version 4 UUID from 16 random bytes. */
export function uuidFromRandom(source: RandomSource): string {
  const bytes = source.getRandomValues(new Uint8Array(16))
  const hex = Array.from(bytes, (b, i) => {
    // Version 4 in the high nibble of byte 6, variant 10xx in the high bits of byte 8.
    if (i === 6) return HEX[(b & 0x0f) | 0x40] ?? ''
    if (i === 8) return HEX[(b & 0x3f) | 0x80] ?? ''
    return HEX[b] ?? ''
  }).join('')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

export function uuid(source: RandomSource = crypto): string {
  return typeof source.randomUUID === 'function' ? source.randomUUID() : uuidFromRandom(source)
}
