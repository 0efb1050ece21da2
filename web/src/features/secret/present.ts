// Secret chats' messages as the views show them: a copy of the stored message with the
// decrypted text in `content` (never the base64 ciphertext), the reply quote and reactions
// from the encrypted payloads, and no server link preview or mentions. Other chats' messages
// pass through unchanged, so the views call these without asking which kind of chat it is.
import type { Chat, Message } from '@/api/types'
import { useMessagesStore } from '@/stores/messages'
import { t } from '@/i18n'
import type { TextPayload } from './payload'
import { useSecretStore, type Entry } from './store'
import { deps } from './deps'
import { isVoice } from './attachments'
import { expiresAt, isControl } from './wire'

export type SecretStatus = 'ok' | 'pending' | 'before_join' | 'tampered' | 'undecryptable' | 'malformed' | 'lost'

/** The text payload this device knows for a message (by id once stored, by clientId while
 *  it is a local echo), if any. */
export function payloadOf(message: Message): TextPayload | null {
  const store = useSecretStore()
  const payload = message.id === 0
    ? (message.clientId !== null ? store.written.get(message.clientId) : undefined)
    : okPayload(store.entries.get(message.id))
  return payload?.kind === 'text' ? payload : null
}

function okPayload(entry: Entry | undefined): TextPayload | null {
  return entry?.state === 'ok' && entry.payload.kind === 'text' ? entry.payload : null
}

export function statusOf(message: Message): SecretStatus {
  const store = useSecretStore()
  if (message.id === 0) return payloadOf(message) ? 'ok' : 'lost'
  const entry = store.entries.get(message.id)
  if (!entry || entry.state === 'pending') return 'pending'
  if (entry.state === 'error') return entry.reason
  return entry.state
}

function quoteOf(chatId: number, replyTo: number | undefined): Message['replyPreview'] {
  if (replyTo === undefined) return null
  const target = useMessagesStore().find(chatId, replyTo)
  // Not loaded: its seq is unknown (the server was never told what this replies to).
  if (!target) return null
  const text = payloadOf(target)?.text
  return { id: target.id, seq: target.seq, senderId: target.senderId, type: target.type, content: text || t('secretMessages.encrypted'), deleted: false }
}

/** A secret chat's message for display; any other message as it is. */
export function present(message: Message): Message {
  const store = useSecretStore()
  if (message.type === 'system' || !store.isSecret(message.chatId)) return message
  const payload = payloadOf(message)
  return {
    ...message,
    content: payload?.text ?? '',
    replyTo: payload?.replyTo ?? null,
    replyPreview: quoteOf(message.chatId, payload?.replyTo),
    reactions: message.id === 0 ? {} : store.reactionsOf(message.chatId, message.id),
    linkPreview: null,
    mentions: [],
    forwardedFrom: null,
  }
}

/** The messages a secret chat's timeline shows: no control messages, none past its time. */
export function visible(chat: Pick<Chat, 'secret'>, messages: Message[]): Message[] {
  if (!chat.secret) return messages
  const now = deps.now()
  return messages.filter((m) => !isControl(m) && (expiresAt(m) ?? Infinity) > now)
}

/** Rows of a timeline (stored messages and local echoes alike) with their messages presented. */
export function presentRows<R extends { kind: string }>(chat: Pick<Chat, 'secret'>, rows: R[]): R[] {
  if (!chat.secret) return rows
  return rows.map((row) => ('message' in row && row.kind === 'message' ? { ...row, message: present(row.message as Message) } : row))
}

/** One line for the chat list, a notification, the pinned bar: the text if this device has
 *  read it, else "Encrypted message" (never ciphertext). */
export function secretPreview(message: Message): string {
  const payload = payloadOf(message)
  if (!payload) return t('secretMessages.encrypted')
  if (payload.text) return payload.text
  const first = payload.attachments?.[0]
  if (!first) return t('secretMessages.encrypted')
  if (isVoice(first)) return `🎤 ${t('voice.voiceMessage')}`
  return first.mime.startsWith('image/') ? `🖼 ${t('messages.photo')}` : `📎 ${first.name}`
}
