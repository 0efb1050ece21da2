// Files in secret chats (docs/e2ee.md §9): each one is encrypted with a fresh AES-GCM-256 key
// before upload and uploaded as opaque bytes named "file.bin"; the key, the nonce, the
// SHA-256 of the uploaded bytes and the real name/type/size travel inside the message's
// ciphertext. The receiver checks the hash, decrypts and shows the file from a blob: URL.
import type { SecretAttachment } from './payload'

/** What the server sees of every file of a secret chat. */
export const SEALED_NAME = 'file.bin'
export const SEALED_MIME = 'application/octet-stream'

// Shown inline: types an <img> renders without running anything. Anything else (SVG, HTML…)
// is only ever downloaded, and as an opaque type, so a hostile member's file cannot script.
const INLINE_IMAGE = /^image\/(jpeg|png|gif|webp|avif)$/

export function isInlineImage(mime: string): boolean {
  return INLINE_IMAGE.test(mime)
}

// Played in the page's <audio>: no script runs in these either.
const PLAYABLE_AUDIO = /^audio\/(webm|ogg|mpeg|mp4|aac|wav)$/

/** A recorded voice message (it has the length the recorder measured), played in the bubble. */
export function isVoice(meta: Pick<SecretAttachment, 'mime' | 'durationMs'>): boolean {
  return PLAYABLE_AUDIO.test(meta.mime) && meta.durationMs !== undefined
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

export function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

async function sha256(bytes: ArrayBuffer): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes)))
}

/** An image's size, read before encrypting (the server cannot, and makes no thumbnail). */
async function dimensions(blob: Blob, mime: string): Promise<{ width?: number; height?: number }> {
  if (!isInlineImage(mime) || typeof createImageBitmap !== 'function') return {}
  try {
    const bitmap = await createImageBitmap(blob)
    const size = { width: bitmap.width, height: bitmap.height }
    bitmap.close()
    return size
  } catch {
    return {}
  }
}

export interface Sealed {
  /** The bytes to upload. */
  body: Blob
  /** Everything but the upload id, which the server gives. */
  meta: Omit<SecretAttachment, 'id'>
}

export async function sealFile(blob: Blob, name: string, type: string, extra: { durationMs?: number } = {}): Promise<Sealed> {
  // A bare type/subtype (a recorder's "audio/webm;codecs=opus" has parameters the payload refuses).
  const mime = (type.split(';')[0] ?? '').trim().toLowerCase()
  const plain = await blob.arrayBuffer()
  const key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, true, ['encrypt'])
  const iv = crypto.getRandomValues(new Uint8Array(12))
  const cipher = await crypto.subtle.encrypt({ name: 'AES-GCM', iv }, key, plain)
  const raw = new Uint8Array(await crypto.subtle.exportKey('raw', key))
  return {
    body: new Blob([cipher], { type: SEALED_MIME }),
    meta: {
      key: toBase64(raw),
      iv: toBase64(iv),
      sha256: await sha256(cipher),
      name: name || 'file',
      mime: mime || SEALED_MIME,
      size: plain.byteLength,
      ...(await dimensions(blob, mime)),
      ...(extra.durationMs !== undefined ? { durationMs: extra.durationMs } : {}),
    },
  }
}

export class SealedFileError extends Error {}

/** The uploaded bytes back to the file; throws SealedFileError when they are not the ones
 *  the message names (hash) or do not decrypt (tag). */
export async function openFile(cipher: ArrayBuffer, meta: SecretAttachment): Promise<Blob> {
  if ((await sha256(cipher)) !== meta.sha256) throw new SealedFileError('hash mismatch')
  let plain: ArrayBuffer
  try {
    const key = await crypto.subtle.importKey('raw', fromBase64(meta.key), 'AES-GCM', false, ['decrypt'])
    plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: fromBase64(meta.iv) }, key, cipher)
  } catch {
    throw new SealedFileError('does not decrypt')
  }
  return new Blob([plain], { type: isInlineImage(meta.mime) || isVoice(meta) ? meta.mime : SEALED_MIME })
}
