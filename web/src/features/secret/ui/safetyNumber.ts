// A secret chat's safety number (docs/e2ee.md, "Verification"): 60 digits that every member
// computes alike from the identity keys of ALL members' live devices, so two people who read
// out or scan the same number know no one (the server included) slipped a device of its own
// into the chat. Shaped after Signal's fingerprint (5,200 rounds of SHA-512, 5-digit chunks
// from 5-byte blocks mod 100,000), but one number for the whole chat instead of one per
// person: a chat has many devices per member and up to 50 members.
import type { DeviceIdentity } from '../index'

/** Bumped if the encoding ever changes: it is hashed in, so old and new numbers differ. */
export const SAFETY_VERSION = 1
/** Signal's iteration count: makes searching for a colliding key set ~2^12 times dearer. */
export const SAFETY_ROUNDS = 5200
/** 12 groups of 5 digits. */
export const SAFETY_GROUPS = 12

const encoder = new TextEncoder()

function base64Bytes(value: string): Uint8Array {
  const binary = atob(value)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

function uint32(n: number): Uint8Array {
  const out = new Uint8Array(4)
  new DataView(out.buffer).setUint32(0, n)
  return out
}

/** A field as its 4-byte length then its bytes: no choice of ids or keys can make two
 *  different lists encode alike. */
function field(bytes: Uint8Array): Uint8Array[] {
  return [uint32(bytes.length), bytes]
}

function concat(parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}

/** The devices in one order whatever order the server listed them in: by user id, then
 *  device id, then key; an entry listed twice counts once. */
export function canonicalIdentities(identities: readonly DeviceIdentity[]): DeviceIdentity[] {
  const seen = new Set<string>()
  const unique: DeviceIdentity[] = []
  for (const d of identities) {
    const key = `${d.userId}\u0000${d.deviceId}\u0000${d.signatureKey}`
    if (seen.has(key)) continue
    seen.add(key)
    unique.push(d)
  }
  const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0)
  return unique.sort((a, b) => a.userId - b.userId || cmp(a.deviceId, b.deviceId) || cmp(a.signatureKey, b.signatureKey))
}

/** The bytes hashed: version, count, then per device its user id (as decimal text), its
 *  device id (UTF-8) and its raw Ed25519 public key, each length-prefixed. */
export function encodeIdentities(identities: readonly DeviceIdentity[]): Uint8Array<ArrayBuffer> {
  const list = canonicalIdentities(identities)
  const parts: Uint8Array[] = [encoder.encode('ShomikSafetyNumber'), uint32(SAFETY_VERSION), uint32(list.length)]
  for (const d of list) {
    parts.push(...field(encoder.encode(String(d.userId))), ...field(encoder.encode(d.deviceId)),
      ...field(base64Bytes(d.signatureKey)))
  }
  return concat(parts)
}

/** Five digits from five bytes: a 40-bit big-endian number mod 100,000 (as Signal does). */
function chunk(hash: Uint8Array, offset: number): string {
  let value = 0
  // 40 bits exceed 32-bit integer arithmetic but fit a double exactly (< 2^53).
  for (let i = 0; i < 5; i++) value = value * 256 + (hash[offset + i] ?? 0)
  return String(value % 100000).padStart(5, '0')
}

/** The safety number's 60 digits (no spaces). Rounds: hash = SHA-512(hash ‖ encoding),
 *  starting from the encoding alone, SAFETY_ROUNDS times; the first 60 of its 64 bytes give
 *  the 12 groups. */
export async function safetyNumber(identities: readonly DeviceIdentity[], rounds = SAFETY_ROUNDS): Promise<string> {
  const encoded = encodeIdentities(identities)
  let hash = new Uint8Array(await crypto.subtle.digest('SHA-512', encoded))
  for (let i = 1; i < rounds; i++) {
    hash = new Uint8Array(await crypto.subtle.digest('SHA-512', concat([hash, encoded])))
  }
  let digits = ''
  for (let g = 0; g < SAFETY_GROUPS; g++) digits += chunk(hash, g * 5)
  return digits
}

/** "12345 67890 …": the digits in their 12 groups, for display. */
export function safetyGroups(digits: string): string[] {
  const groups: string[] = []
  for (let i = 0; i < digits.length; i += 5) groups.push(digits.slice(i, i + 5))
  return groups
}

/** What the QR code holds: the version, the chat and the number, so a scan of another
 *  chat's code, or of an older encoding, cannot pass for a match. */
export function safetyQrText(chatId: number, digits: string): string {
  return `shomik-safety:${SAFETY_VERSION}:${chatId}:${digits}`
}
