// What travels inside a secret chat's MLS ciphertext (docs/e2ee.md §9 "Payload"): a small
// JSON object, UTF-8, padded with zero bytes to the next multiple of PAD_BUCKET so that the
// server learns a message's length only to within a bucket. Any member of the group can
// encrypt, so a decoded payload is untrusted input: it is checked field by field and rebuilt
// from the known fields only; anything else is refused (shown as an error, never thrown).

/** 256 bytes: a short message and a long sentence look the same size on the wire. */
export const PAD_BUCKET = 256
/** A plaintext at most this long (the composer's limit is lower; this bounds the parser). */
export const MAX_TEXT = 16_384
export const MAX_ATTACHMENTS = 10

export interface SecretAttachment {
  /** The server's upload id (its bytes are the ciphertext). */
  id: string
  /** AES-GCM-256 raw key, standard base64 (32 bytes). */
  key: string
  /** AES-GCM nonce, standard base64 (12 bytes). */
  iv: string
  /** SHA-256 of the uploaded (encrypted) bytes, standard base64 (32 bytes). */
  sha256: string
  name: string
  mime: string
  /** Bytes of the plaintext file. */
  size: number
  width?: number
  height?: number
  durationMs?: number
}

export interface TextPayload {
  v: 1
  kind: 'text'
  text: string
  replyTo?: number
  attachments?: SecretAttachment[]
}

export interface ReactionPayload {
  v: 1
  kind: 'reaction'
  target: number
  emoji: string
  on: boolean
}

export type SecretPayload = TextPayload | ReactionPayload

export type DecodeResult = { ok: true; payload: SecretPayload } | { ok: false; error: string }

/** JSON → UTF-8 → zero padding to the bucket (JSON text never holds a raw NUL byte, so the
 *  padding is unambiguous). */
export function encodePayload(payload: SecretPayload): Uint8Array {
  const body = new TextEncoder().encode(JSON.stringify(payload))
  const padded = new Uint8Array(Math.ceil((body.length + 1) / PAD_BUCKET) * PAD_BUCKET)
  padded.set(body)
  return padded
}

export function decodePayload(bytes: Uint8Array): DecodeResult {
  let end = bytes.length
  while (end > 0 && bytes[end - 1] === 0) end--
  let value: unknown
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end)))
  } catch {
    return { ok: false, error: 'not JSON' }
  }
  if (!isRecord(value)) return { ok: false, error: 'not an object' }
  if (value.v !== 1) return { ok: false, error: 'unknown version' }
  try {
    if (value.kind === 'text') return { ok: true, payload: textPayload(value) }
    if (value.kind === 'reaction') return { ok: true, payload: reactionPayload(value) }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : 'invalid' }
  }
  return { ok: false, error: 'unknown kind' }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function fail(what: string): never {
  throw new Error(`bad ${what}`)
}

function text(value: unknown, max: number, what: string): string {
  if (typeof value !== 'string' || value.length > max) fail(what)
  return value
}

function id(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) fail(what)
  return value
}

function count(value: unknown, what: string, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > max) fail(what)
  return value
}

/** Standard base64 of exactly `bytes` bytes. */
function b64(value: unknown, bytes: number, what: string): string {
  const length = 4 * Math.ceil(bytes / 3)
  if (typeof value !== 'string' || value.length !== length || !/^[A-Za-z0-9+/]+={0,2}$/.test(value)) fail(what)
  return value
}

// type/subtype only: the mime decides how a file is shown, so nothing with parameters.
const MIME = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$/i

function attachment(value: unknown): SecretAttachment {
  if (!isRecord(value)) fail('attachment')
  const mime = text(value.mime, 127, 'mime')
  if (!MIME.test(mime)) fail('mime')
  const name = text(value.name, 255, 'name').trim()
  const result: SecretAttachment = {
    id: text(value.id, 128, 'attachment id'),
    key: b64(value.key, 32, 'key'),
    iv: b64(value.iv, 12, 'iv'),
    sha256: b64(value.sha256, 32, 'sha256'),
    // Never empty, never a path: it becomes a download's file name.
    name: name.replace(/[/\\\0]/g, '_') || 'file',
    mime: mime.toLowerCase(),
    size: count(value.size, 'size'),
  }
  if (!result.id) fail('attachment id')
  if (value.width !== undefined) result.width = count(value.width, 'width', 100_000)
  if (value.height !== undefined) result.height = count(value.height, 'height', 100_000)
  if (value.durationMs !== undefined) result.durationMs = count(value.durationMs, 'durationMs')
  return result
}

function textPayload(value: Record<string, unknown>): TextPayload {
  const result: TextPayload = { v: 1, kind: 'text', text: text(value.text, MAX_TEXT, 'text') }
  if (value.replyTo !== undefined) result.replyTo = id(value.replyTo, 'replyTo')
  if (value.attachments !== undefined) {
    if (!Array.isArray(value.attachments) || value.attachments.length > MAX_ATTACHMENTS) fail('attachments')
    result.attachments = value.attachments.map(attachment)
  }
  return result
}

function reactionPayload(value: Record<string, unknown>): ReactionPayload {
  const emoji = text(value.emoji, 32, 'emoji')
  if (!emoji.trim()) fail('emoji')
  if (typeof value.on !== 'boolean') fail('on')
  return { v: 1, kind: 'reaction', target: id(value.target, 'target'), emoji, on: value.on }
}
