// What may be done to a message, mirroring the server's rules (src/shomik/messages/changes.py
// and forwarding.py) so that the menu offers only what will be allowed. The server still
// decides, and its refusal (edit_expired…) is shown as it says.
import type { Chat, Message } from '@/api/types'
import { isAdmin } from '@/features/chats/info/permissions'
import { isControl } from '@/features/secret/wire'

/** A message the server has stored (a pending one in the outbox has id 0) and that is not
 *  a system note ("Alice added Bob"): only these can be edited, forwarded or selected. */
export function isActionable(message: Message): boolean {
  // A secret chat's control message (an encrypted reaction) is never shown or acted on.
  return message.id > 0 && message.type !== 'system' && !isControl(message)
}

/** Edit: one's own text or caption, within the server's edit window (null: unknown yet,
 *  so the server decides). */
export function canEdit(message: Message, me: number, windowSeconds: number | null, now = Date.now()): boolean {
  if (!isActionable(message) || message.senderId !== me) return false
  if (windowSeconds === null) return true
  return now - Date.parse(message.createdAt) <= windowSeconds * 1000
}

/** Delete for everyone: one's own messages anywhere; anyone's in a private chat (as
 *  Telegram allows); anyone's in a group for its owner and admins. */
export function canDeleteForEveryone(message: Message, chat: Chat, me: number): boolean {
  if (!isActionable(message)) return false
  if (message.senderId === me || chat.type === 'private') return true
  return isAdmin(chat.role)
}

/** For a selection: "for everyone" only when it is allowed for every message in it. */
export function canDeleteAllForEveryone(messages: readonly Message[], chat: Chat, me: number): boolean {
  return messages.length > 0 && messages.every((m) => canDeleteForEveryone(m, chat, me))
}

/** The newest message that Arrow Up in an empty composer edits, if any. */
export function lastEditable(messages: readonly Message[], me: number, windowSeconds: number | null, now = Date.now()): Message | null {
  for (let i = messages.length - 1; i >= 0; i--) {
    const m = messages[i]
    if (m && canEdit(m, me, windowSeconds, now)) return m
  }
  return null
}
