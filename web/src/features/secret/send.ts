// Writing in a secret chat (docs/e2ee.md §9): the payload is encrypted by the engine and goes
// as the `content` of the ordinary commands. Sends go through the outbox like any message;
// the ciphertext is made once, just before the first attempt, and kept in the outbox item,
// so every retry resends the same bytes with the same clientId (the server stores one copy;
// re-encrypting would make a second, different MLS message for the same send).
import type { Attachment, Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useOutboxStore, type OutboxItem } from '@/stores/outbox'
import { uuid } from '@/lib/uuid'
import { CommandError } from '@/realtime/client'
import { t } from '@/i18n'
import { deps } from './deps'
import { encodePayload, type ReactionPayload, type SecretAttachment, type SecretPayload, type TextPayload } from './payload'
import { useSecretStore } from './store'

export interface SecretDraft {
  clientId: string
  chatId: number
  text: string
  replyTo: number | null
  /** The uploads (their ids link them to the message on the server) … */
  attachments: Attachment[]
  /** … and what opens them, which only the members see. */
  sealed: SecretAttachment[]
}

export function textPayload(text: string, replyTo: number | null, sealed: readonly SecretAttachment[]): TextPayload {
  return {
    v: 1,
    kind: 'text',
    text,
    ...(replyTo !== null ? { replyTo } : {}),
    ...(sealed.length ? { attachments: [...sealed] } : {}),
  }
}

/** Hand a secret message to the outbox: shown at once from memory, encrypted when sent.
 *  The reply target travels inside the payload only (the server is not told). */
export function enqueueSecret(draft: SecretDraft): void {
  useSecretStore().written.set(draft.clientId, textPayload(draft.text, draft.replyTo, draft.sealed))
  useOutboxStore().enqueue({ clientId: draft.clientId, chatId: draft.chatId, content: '', replyTo: null, attachments: draft.attachments })
}

/** Seconds before a send tries again to bring the chat's group up to date. */
export const NOT_READY_RETRY_SECONDS = 2

async function encrypt(chatId: number, payload: SecretPayload): Promise<string> {
  const engine = await deps.engine()
  try {
    await useSecretStore().ready(engine, chatId)
  } catch (e) {
    // The group could not be brought up to date just now (another device's commit kept
    // winning, the network failed): a passing state, as for reading (store.ts `drain`).
    // The outbox waits and tries again rather than marking the message failed.
    console.warn(`shomik: secret chat ${chatId} not ready to send`, e)
    throw new CommandError('not_ready', t('secretMessages.notReady'), NOT_READY_RETRY_SECONDS)
  }
  return await engine.encrypt(chatId, encodePayload(payload))
}

/** Before an outbox item of a secret chat is sent: its ciphertext, made on the first
 *  attempt only. An item whose plaintext is gone (a reload before it was encrypted) fails. */
export async function sealOutboxItem(item: OutboxItem): Promise<void> {
  if (item.sealed) return
  const payload = useSecretStore().written.get(item.clientId)
  if (!payload) throw new Error(t('secretMessages.lostBeforeSending'))
  item.content = await encrypt(item.chatId, payload)
  item.sealed = true
}

/** The server stored this device's message: its plaintext is kept by id. */
export function sentSecret(message: Message): void {
  const store = useSecretStore()
  const payload = message.clientId !== null ? store.written.get(message.clientId) : undefined
  if (payload) store.adopt(message, payload)
}

/** `message:edit` with a new ciphertext; the reply target and the files stay as they were. */
export async function editSecret(message: Message, text: string): Promise<Message> {
  const store = useSecretStore()
  const entry = store.entries.get(message.id)
  const before = entry?.state === 'ok' && entry.payload.kind === 'text' ? entry.payload : null
  const payload = textPayload(text, before?.replyTo ?? null, before?.attachments ?? [])
  const content = await encrypt(message.chatId, payload)
  store.editing.set(message.id, payload)
  try {
    const updated = await deps.command('message:edit', { messageId: message.id, content })
    store.adopt(updated, payload)
    return updated
  } finally {
    if (store.editing.get(message.id) === payload) store.editing.delete(message.id)
  }
}

/** Put a reaction on (or take it off) as an encrypted control message, which the server
 *  stores and relays like any message but no member shows as one. */
export async function reactSecret(message: Message, emoji: string): Promise<void> {
  const store = useSecretStore()
  const me = useAuthStore().user?.id ?? 0
  const on = !(store.reactionsOf(message.chatId, message.id)[emoji]?.includes(me) ?? false)
  const payload: ReactionPayload = { v: 1, kind: 'reaction', target: message.id, emoji, on }
  const content = await encrypt(message.chatId, payload)
  const clientId = uuid()
  store.written.set(clientId, payload)
  try {
    const sent = await deps.command('message:send', { chatId: message.chatId, clientId, content, type: 'control' })
    store.adopt(sent, payload)
  } finally {
    store.written.delete(clientId)
  }
}
