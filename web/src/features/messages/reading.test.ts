import { describe, expect, it } from 'vitest'
import type { Chat, Message } from '@/api/types'
import type { OutboxItem } from '@/stores/outbox'
import { group, person } from '@/features/chats/testing'
import { buildRows } from './rows'
import { firstUnreadSeq, readTarget, withUnreadSeparator } from './reading'

const ME = 1
const message = (seq: number, senderId: number): Message => ({
  id: 100 + seq, chatId: 5, seq, senderId, type: 'text', content: `m${seq}`, createdAt: '2026-01-01T10:00:00Z',
  attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
  meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
})

function chat(readSeq: number, lastSeq: number, unreadCount: number, markedUnread = false): Chat {
  const c = group([[person(ME, 'Amina'), 'owner'], [person(2, 'Bo'), 'member']], { lastSeq, unreadCount })
  return { ...c, lastReadSeq: readSeq, settings: { ...c.settings, markedUnread } }
}

describe('the unread separator', () => {
  // 60 read, then 5 unread from Bo.
  const messages = Array.from({ length: 65 }, (_, i) => message(i + 1, i % 2 === 0 ? 2 : ME))
  const unread = chat(60, 65, 5)

  it('starts after the read position when something is unread, else is not shown', () => {
    expect(firstUnreadSeq(unread)).toBe(61)
    expect(firstUnreadSeq(chat(65, 65, 0))).toBeNull()
    // Only own messages after the position (another device of mine sent them): nothing unread.
    expect(firstUnreadSeq(chat(60, 65, 0))).toBeNull()
  })

  it('goes right above the first unread message from someone else', () => {
    const rows = withUnreadSeparator(buildRows(messages, [], ME), 61, ME)
    const at = rows.findIndex((r) => r.kind === 'unread')
    const next = rows[at + 1]
    expect(at).toBeGreaterThan(0)
    expect(next?.kind === 'message' && next.message.seq).toBe(61)
    expect(rows.filter((r) => r.kind === 'unread')).toHaveLength(1)
  })

  it('skips own messages and local echoes, and is left out when nothing matches', () => {
    const own = [message(1, 2), message(2, ME), message(3, 2)]
    const rows = withUnreadSeparator(buildRows(own, [], ME), 2, ME)
    const at = rows.findIndex((r) => r.kind === 'unread')
    const next = rows[at + 1]
    expect(next?.kind === 'message' && next.message.seq).toBe(3)
    const echo: OutboxItem = { clientId: 'c1', chatId: 5, content: 'x', replyTo: null, attachments: [], createdAt: '2026-01-01T10:00:00Z', status: 'queued', error: null }
    const onlyEcho = withUnreadSeparator(buildRows([message(1, 2)], [echo], ME), 2, ME)
    expect(onlyEcho.some((r) => r.kind === 'unread')).toBe(false)
    expect(withUnreadSeparator(buildRows(own, [], ME), null, ME).some((r) => r.kind === 'unread')).toBe(false)
  })
})

describe('what the timeline marks read', () => {
  it('the newest message from someone else past the read position', () => {
    const messages = [message(1, 2), message(2, 2)]
    expect(readTarget(messages, chat(1, 2, 1), ME)?.seq).toBe(2)
    expect(readTarget(messages, chat(2, 2, 0), ME)).toBeNull()
    expect(readTarget([], chat(0, 0, 0), ME)).toBeNull()
  })

  it('never the user\'s own newest message: sending moved the read position already', () => {
    expect(readTarget([message(1, 2), message(2, ME)], chat(1, 2, 0), ME)).toBeNull()
  })

  it('the newest message even if read, while the chat is marked unread (that read clears the mark)', () => {
    expect(readTarget([message(1, 2), message(2, ME)], chat(2, 2, 0, true), ME)?.seq).toBe(2)
  })
})
