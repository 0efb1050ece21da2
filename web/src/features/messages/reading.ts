// Reading a chat: where the "Unread messages" separator goes (fixed when the chat opens),
// and which message to mark read. Pure, so unit-tested without a DOM.
import type { Chat, Message } from '@/api/types'
import type { Row } from './rows'

export type UnreadRow = { kind: 'unread'; key: 'unread' }
export type TimelineRow = Row | UnreadRow

/** Where the unread part begins when the chat is opened: the seq after the read position,
 *  or null when nothing is unread (own messages never are). */
export function firstUnreadSeq(chat: Chat): number | null {
  const read = chat.lastReadSeq
  return chat.unreadCount > 0 && chat.lastSeq > read ? read + 1 : null
}

/** The rows with the separator before the first stored message from someone else at or
 *  after `from` (below the day separator of its day, as Telegram puts it). */
export function withUnreadSeparator(rows: Row[], from: number | null, me: number): TimelineRow[] {
  if (from === null) return rows
  const at = rows.findIndex((r) => r.kind === 'message' && r.pending === null && r.message.seq >= from && r.message.senderId !== me)
  if (at < 0) return rows
  return [...rows.slice(0, at), { kind: 'unread', key: 'unread' }, ...rows.slice(at)]
}

/** The message whose `message:read` the timeline sends when the bottom is in view, or null
 *  when none is needed: already read, or the newest is the user's own (sending moved the
 *  read position on the server). A chat marked unread is read again even so: the read is
 *  what clears the mark. */
export function readTarget(messages: readonly Message[], chat: Chat, me: number): Message | null {
  const last = messages[messages.length - 1]
  if (!last) return null
  if (chat.settings.markedUnread) return last
  if (last.seq <= chat.lastReadSeq || last.senderId === me) return null
  return last
}
