// The timeline as rows: date separators between days, messages, then the local echoes of
// what is still in the outbox (those the server has not stored yet).
import type { Attachment, Message } from '@/api/types'
import type { OutboxItem } from '@/stores/outbox'
import { dayKey, dayLabel } from '@/lib/format'

export const QUICK_REACTIONS = ['👍', '❤️', '😂', '🔥', '😮', '😢'] as const

export type Delivery = 'sending' | 'failed' | 'sent' | 'read' | null

export type Row =
  | { kind: 'day'; key: string; label: string }
  | {
      kind: 'message'
      key: string
      message: Message
      pending: OutboxItem | null
      /** The first of a run of one sender's messages: it carries the name (in groups). */
      showSender: boolean
      /** The last of the run: it carries the bubble's tail and the sender's avatar. */
      lastInRun: boolean
    }

/** What the server will call a message of these (non-image) attachments: see
 *  messages.service `_type_of`. */
function attachmentType(attachments: readonly Attachment[]): 'voice' | 'video' | 'file' {
  if (attachments.every((a) => /^video\/(mp4|webm)$/.test(a.mime))) return 'video'
  const [first] = attachments
  if (attachments.length === 1 && first?.mime.startsWith('audio/') && first.durationMs !== null) return 'voice'
  return 'file'
}

export function echo(item: OutboxItem, me: number): Message {
  const image = item.attachments.length > 0 && item.attachments.every((a) => a.mime.startsWith('image/'))
  return {
    id: 0,
    chatId: item.chatId,
    seq: Number.MAX_SAFE_INTEGER,
    senderId: me,
    type: item.attachments.length === 0 ? 'text' : image ? 'image' : attachmentType(item.attachments),
    content: item.content,
    createdAt: item.createdAt,
    attachments: item.attachments,
    reactions: {},
    readBy: [],
    replyTo: item.replyTo,
    replyPreview: null,
    clientId: item.clientId,
    meta: null,
    editedAt: null,
    deletedAt: null,
    forwardedFrom: null,
    mentions: [],
    linkPreview: null,
    expiresAt: null,
  }
}

export function buildRows(messages: Message[], pending: OutboxItem[], me: number): Row[] {
  const rows: Row[] = []
  let day = ''
  let prevSender: number | null = null
  const stored = new Set(messages.map((m) => m.clientId).filter((c) => c !== null))
  const echoes = pending.filter((p) => !stored.has(p.clientId))
  const all: { message: Message; pending: OutboxItem | null }[] = [
    ...messages.map((message) => ({ message, pending: null })),
    ...echoes.map((p) => ({ message: echo(p, me), pending: p })),
  ]
  for (const { message, pending: p } of all) {
    const key = dayKey(message.createdAt)
    if (key !== day) {
      day = key
      prevSender = null
      rows.push({ kind: 'day', key: `day-${key}`, label: dayLabel(message.createdAt) })
    }
    const showSender = message.type !== 'system' && message.senderId !== prevSender
    prevSender = message.type === 'system' ? null : message.senderId
    rows.push({
      kind: 'message',
      // An echo keeps its key when the stored copy replaces it: no flicker, no re-mount.
      key: message.clientId && message.senderId === me ? `c-${message.clientId}` : `m-${message.id}`,
      message,
      pending: p,
      showSender,
      lastInRun: true,
    })
  }
  markRunEnds(rows)
  return rows
}

/** A message ends its run unless the next row is a message by the same sender (a day
 *  separator or a system note in between ends it too). */
function markRunEnds(rows: Row[]): void {
  for (let i = 0; i < rows.length - 1; i++) {
    const row = rows[i]
    const next = rows[i + 1]
    if (row?.kind !== 'message' || next?.kind !== 'message') continue
    row.lastInRun = row.message.type === 'system' || next.message.type === 'system' || next.showSender
  }
}
