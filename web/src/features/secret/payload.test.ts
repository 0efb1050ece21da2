import { describe, expect, it } from 'vitest'
import { decodePayload, encodePayload, PAD_BUCKET, type SecretPayload } from './payload'

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)))
const IV = btoa(String.fromCharCode(...new Uint8Array(12).fill(1)))
const HASH = btoa(String.fromCharCode(...new Uint8Array(32).fill(9)))
const file = { id: 'u1', key: KEY, iv: IV, sha256: HASH, name: 'cat.jpg', mime: 'image/jpeg', size: 1234, width: 640, height: 480 }

function raw(value: unknown): Uint8Array {
  return new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
}

describe('secret payload', () => {
  it('round-trips text, reply, attachments and reactions', () => {
    const payloads: SecretPayload[] = [
      { v: 1, kind: 'text', text: 'Привет 👋 <b>hi</b>' },
      { v: 1, kind: 'text', text: '', replyTo: 42, attachments: [file] },
      { v: 1, kind: 'reaction', target: 7, emoji: '👍', on: false },
    ]
    for (const p of payloads) expect(decodePayload(encodePayload(p))).toEqual({ ok: true, payload: p })
  })

  it('pads to whole buckets so nearby lengths look the same', () => {
    const short = encodePayload({ v: 1, kind: 'text', text: 'a' })
    const longer = encodePayload({ v: 1, kind: 'text', text: 'a'.repeat(200) })
    expect(short.length).toBe(PAD_BUCKET)
    expect(longer.length).toBe(PAD_BUCKET)
    expect(encodePayload({ v: 1, kind: 'text', text: 'a'.repeat(300) }).length).toBe(2 * PAD_BUCKET)
    // Never exactly full: a zero byte always ends the JSON.
    for (let n = 200; n < 260; n++) expect(encodePayload({ v: 1, kind: 'text', text: 'x'.repeat(n) }).length % PAD_BUCKET).toBe(0)
  })

  it('refuses what a hostile member could send, without throwing', () => {
    const bad: unknown[] = [
      'not json',
      '[1,2]',
      { v: 2, kind: 'text', text: 'x' },
      { v: 1, kind: 'html', text: 'x' },
      { v: 1, kind: 'text', text: 5 },
      { v: 1, kind: 'text', text: 'x'.repeat(20_000) },
      { v: 1, kind: 'text', text: 'x', replyTo: -1 },
      { v: 1, kind: 'text', text: 'x', replyTo: 1.5 },
      { v: 1, kind: 'text', text: 'x', attachments: {} },
      { v: 1, kind: 'text', text: 'x', attachments: new Array(11).fill(file) },
      { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, key: 'c2hvcnQ=' }] },
      { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, iv: KEY }] },
      { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, mime: 'text/html; charset=utf-8' }] },
      { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, size: -1 }] },
      { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, id: '' }] },
      { v: 1, kind: 'reaction', target: 1, emoji: ' ', on: true },
      { v: 1, kind: 'reaction', target: 1, emoji: '👍', on: 'yes' },
      { v: 1, kind: 'reaction', target: 0, emoji: '👍', on: true },
    ]
    for (const value of bad) expect(decodePayload(raw(value)).ok, JSON.stringify(value)).toBe(false)
    // Not UTF-8 at all.
    expect(decodePayload(new Uint8Array([0xff, 0xfe, 0x00])).ok).toBe(false)
    expect(decodePayload(new Uint8Array(0)).ok).toBe(false)
  })

  it('keeps only known fields and makes file names safe', () => {
    const attachment = JSON.stringify({ ...file, name: '../../etc/passwd', mime: 'IMAGE/PNG', evil: true })
    const decoded = decodePayload(raw(`{"v":1,"kind":"text","text":"x","extra":1,"__proto__":{"polluted":true},"attachments":[${attachment}]}`))
    expect(decoded).toEqual({ ok: true, payload: { v: 1, kind: 'text', text: 'x', attachments: [{ ...file, name: '.._.._etc_passwd', mime: 'image/png' }] } })
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
  })
})
