import { describe, expect, it } from 'vitest'
import type { Attachment, Message } from '@/api/types'
import type { OutboxItem } from '@/stores/outbox'
import { buildRows, echo as echoOf } from './rows'

const msg = (seq: number, day: number, extra: Partial<Message> = {}): Message =>
  ({
    id: seq, chatId: 1, seq, senderId: 2, type: 'text', content: `m${seq}`,
    createdAt: `2026-03-${String(day).padStart(2, '0')}T12:00:00`, attachments: [], reactions: {}, readBy: [],
    replyTo: null, replyPreview: null, clientId: null, meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null, ...extra,
  })
const pending = (clientId: string): OutboxItem => ({
  clientId, chatId: 1, content: 'hi', replyTo: null, attachments: [], createdAt: '2026-03-02T13:00:00',
  status: 'sending', error: null,
})

describe('buildRows', () => {
  it('separates days and shows the sender once per run', () => {
    const rows = buildRows([msg(1, 1), msg(2, 1), msg(3, 2, { senderId: 5 }), msg(4, 2)], [], 1)
    expect(rows.map((r) => (r.kind === 'day' ? 'day' : `${r.message.seq}${r.showSender ? '*' : ''}`))).toEqual([
      'day', '1*', '2', 'day', '3*', '4*',
    ])
  })

  it('ends a run at a change of sender, a day, or a system note', () => {
    const rows = buildRows([
      msg(1, 1), msg(2, 1), msg(3, 1, { senderId: 5 }), msg(4, 1, { senderId: 5 }),
      msg(5, 2, { senderId: 5 }), msg(6, 2, { type: 'system', senderId: null }), msg(7, 2, { senderId: 5 }),
    ], [], 1)
    expect(rows.filter((r) => r.kind === 'message').map((r) => `${r.message.seq}${r.lastInRun ? '$' : ''}`)).toEqual([
      '1', '2$', '3', '4$', '5$', '6$', '7$',
    ])
  })

  it('shows an echo until the stored copy is there, under the same key', () => {
    const echoRows = buildRows([msg(1, 2)], [pending('x')], 1)
    const echo = echoRows[echoRows.length - 1]
    expect(echo?.kind === 'message' && echo.pending?.clientId).toBe('x')
    const storedRows = buildRows([msg(1, 2), msg(2, 2, { senderId: 1, clientId: 'x' })], [pending('x')], 1)
    const messages = storedRows.filter((r) => r.kind === 'message')
    expect(messages).toHaveLength(2)
    expect(messages[1]?.key).toBe(echo?.key)
    expect(messages[1]?.kind === 'message' && messages[1].pending).toBe(null)
  })

  it('gives an echo the type the server will give it', () => {
    const file = (mime: string, durationMs: number | null = null): Attachment => ({
      id: mime, url: '/f', name: 'f', mime, size: 1, width: null, height: null, thumbnailUrl: null, durationMs, waveform: null,
    })
    const typeOf = (attachments: Attachment[]): string => echoOf({ ...pending('y'), attachments }, 1).type
    expect(typeOf([file('audio/webm', 3000)])).toBe('voice')
    expect(typeOf([file('audio/ogg')])).toBe('file') // no recorded length: a file
    expect(typeOf([file('video/mp4'), file('video/webm')])).toBe('video')
    expect(typeOf([file('video/mp4'), file('application/pdf')])).toBe('file')
    expect(typeOf([])).toBe('text')
  })
})
