import { describe, expect, it } from 'vitest'
import { fromBase64, openFile, SEALED_MIME, SealedFileError, sealFile, toBase64 } from './attachments'

const bytes = (n: number): Uint8Array<ArrayBuffer> => Uint8Array.from({ length: n }, (_, i) => (i * 31) % 256)

describe('secret attachments', () => {
  it('encrypts with a fresh key and opens again with what the message carries', async () => {
    const plain = bytes(5000)
    const a = await sealFile(new Blob([plain], { type: 'application/pdf' }), 'report.pdf', 'application/pdf')
    const b = await sealFile(new Blob([plain], { type: 'application/pdf' }), 'report.pdf', 'application/pdf')
    expect(a.body.type).toBe(SEALED_MIME)
    expect(a.meta).toMatchObject({ name: 'report.pdf', mime: 'application/pdf', size: 5000 })
    expect(fromBase64(a.meta.key)).toHaveLength(32)
    expect(fromBase64(a.meta.iv)).toHaveLength(12)
    // Fresh key and nonce each time: the same file never uploads the same bytes twice.
    expect(a.meta.key).not.toBe(b.meta.key)
    const uploaded = await a.body.arrayBuffer()
    expect(uploaded.byteLength).toBe(5000 + 16) // the GCM tag
    expect(new Uint8Array(uploaded).subarray(0, 64)).not.toEqual(plain.subarray(0, 64))
    const opened = await openFile(uploaded, { ...a.meta, id: 'u1' })
    expect(new Uint8Array(await opened.arrayBuffer())).toEqual(plain)
    // Not an inline image type: handed out as opaque bytes, whatever the message claims.
    expect(opened.type).toBe(SEALED_MIME)
  })

  it('refuses bytes that are not the ones the message names', async () => {
    const { body, meta } = await sealFile(new Blob([bytes(100)]), 'a.bin', 'application/octet-stream')
    const altered = new Uint8Array(await body.arrayBuffer())
    altered[10] = (altered[10] ?? 0) ^ 1
    await expect(openFile(altered.buffer, { ...meta, id: 'u' })).rejects.toThrow(SealedFileError)
    // The hash right but the key wrong (a member lying about the key): the tag fails.
    const wrongKey = { ...meta, id: 'u', key: toBase64(new Uint8Array(32)) }
    await expect(openFile(await body.arrayBuffer(), wrongKey)).rejects.toThrow('does not decrypt')
  })

  it('base64 round-trips large buffers', () => {
    const big = bytes(70_000)
    expect(fromBase64(toBase64(big))).toEqual(big)
  })
})
