// Secret chats' messages as this device can read them (docs/e2ee.md §9): every stored message
// of a secret chat is decrypted once, in seq order per chat (MLS ratchets forward), and its
// outcome kept by message id: the payload, "sent before this device joined", or an error.
// Control messages (encrypted reactions) are applied to a per-chat reaction log and never
// shown. Nothing here renders: features/secret/present.ts maps messages for the views.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useMessagesStore } from '@/stores/messages'
import type { DecryptResult, SecretEngine } from './index'
import { decodePayload, encodePayload, type SecretPayload } from './payload'
import { ReactionLog, type ReactionMap } from './reactions'
import { deps, rememberOwn } from './deps'
import { expiresAt, isControl } from './wire'

export type EntryError = 'tampered' | 'undecryptable' | 'malformed'

export type Entry = { version: string } & (
  | { state: 'pending' }
  | { state: 'ok'; payload: SecretPayload; senderUserId: number }
  | { state: 'before_join' }
  | { state: 'error'; reason: EntryError }
)

// A failed engine load or openChat (offline, no Welcome yet) is retried, not taken as the
// message's fate: after 5 s (about a reconnect), doubling up to a minute.
const RETRY_MS = 5000
const MAX_RETRY_MS = 60_000
// setTimeout's limit (2^31 - 1 ms, ~24.8 days): longer timers are re-armed when they fire.
const MAX_TIMER_MS = 2_147_483_647

function versionOf(message: Message): string {
  return message.editedAt ?? ''
}

export const useSecretStore = defineStore('secretMessages', () => {
  const entries = reactive(new Map<number, Entry>())
  /** Payloads this device wrote, by clientId, until the stored copy is known by id (in
   *  memory only: plaintext never goes to localStorage). */
  const written = reactive(new Map<string, SecretPayload>())
  /** Edits in flight, by message id: their `message:updated` may come before the reply. */
  const editing = new Map<number, SecretPayload>()
  // Reactive through and through (the logs' own maps too): the views re-read reactions as
  // control messages are applied.
  const logs = reactive(new Map<number, ReactionLog>())
  const queues = new Map<number, Message[]>()
  /** The newest version of each message seen (an edit's editedAt): older ones are not shown. */
  const wanted = new Map<number, string>()
  const draining = new Set<number>()
  const opened = new Map<number, Promise<void>>()
  const retryIn = new Map<number, number>()
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  const peeking = new Set<number>()

  function isSecret(chatId: number): boolean {
    return useChatsStore().byId.get(chatId)?.secret === true
  }

  function log(chatId: number): ReactionLog {
    if (!logs.has(chatId)) logs.set(chatId, new ReactionLog())
    return logs.get(chatId) as ReactionLog
  }

  function reactionsOf(chatId: number, messageId: number): ReactionMap {
    return log(chatId).of(messageId)
  }

  /** The device is in the chat's group and current (B1's engine), once per chat per page life. */
  function ready(engine: SecretEngine, chatId: number): Promise<void> {
    let job = opened.get(chatId)
    if (!job) {
      job = engine.ensureDevice().then(() => engine.openChat(chatId))
      job.catch(() => opened.delete(chatId))
      opened.set(chatId, job)
    }
    return job
  }

  /** The chat is on screen: bring its group up to date now (found it, join, catch up, add
   *  new devices) rather than at the first message; again on every open. */
  function open(chatId: number): void {
    opened.delete(chatId)
    deps.engine().then((engine) => ready(engine, chatId)).catch((e: unknown) => {
      console.warn(`shomik: could not open secret chat ${chatId}`, e)
    })
  }

  /** Messages of secret chats (a page, an event): each decrypted once per version. */
  function ingest(messages: readonly Message[]): void {
    const touched = new Set<number>()
    for (const m of messages) {
      if (m.id === 0 || m.type === 'system' || m.deletedAt !== null || !isSecret(m.chatId)) continue
      armExpiry(m)
      const version = versionOf(m)
      const entry = entries.get(m.id)
      if (entry?.version === version) continue
      // This device wrote it (the event came before the ack): MLS cannot decrypt it here.
      const own = (m.clientId !== null ? written.get(m.clientId) : undefined) ?? editing.get(m.id)
      if (own && m.senderId === useAuthStore().user?.id) {
        adopt(m, own)
        continue
      }
      if (!entry) entries.set(m.id, { state: 'pending', version })
      wanted.set(m.id, version)
      const queue = queues.get(m.chatId) ?? []
      if (!queue.some((q) => q.id === m.id && versionOf(q) === version)) queue.push(m)
      queues.set(m.chatId, queue)
      touched.add(m.chatId)
    }
    for (const chatId of touched) void drain(chatId)
  }

  /** Hand a chat's waiting messages to the engine, lowest seq first. The engine runs one
   *  operation per chat at a time, in the order called (its per-chat queue), so the calls are
   *  made at once rather than one after another's result: a message is then decrypted before
   *  an `e2ee:commit` that arrived after it (the epoch it was sent in), never after. */
  async function drain(chatId: number): Promise<void> {
    if (draining.has(chatId)) return
    draining.add(chatId)
    let engine: SecretEngine
    try {
      engine = await deps.engine()
      await ready(engine, chatId)
    } catch (e) {
      const wait = retryIn.get(chatId) ?? RETRY_MS
      retryIn.set(chatId, Math.min(2 * wait, MAX_RETRY_MS))
      console.warn(`shomik: secret chat ${chatId} not ready, retrying in ${wait} ms`, e)
      setTimeout(() => { void drain(chatId) }, wait)
      return
    } finally {
      draining.delete(chatId)
    }
    retryIn.delete(chatId)
    // Read after the waits above: whatever arrived meanwhile is ordered by seq with the rest.
    const batch = [...(queues.get(chatId) ?? [])].sort((a, b) => a.seq - b.seq)
    queues.delete(chatId)
    for (const m of batch) void decryptOne(engine, m)
  }

  /** A chat list's last message of a secret chat (one not opened this page life, so never
   *  ingested): its outcome from the engine's local store if this device read or sent it
   *  before. Never decrypted for this: MLS spends a chat's ratchet keys in order, and its
   *  newest message opened ahead of unread older ones (or of a commit before it) could leave
   *  those undecryptable. Not known here: "Encrypted message" until the chat is read. */
  function peek(m: Message): void {
    if (m.id === 0 || m.type === 'system' || isControl(m) || m.deletedAt !== null || !isSecret(m.chatId)) return
    if (entries.has(m.id) || peeking.has(m.id)) return
    peeking.add(m.id)
    const version = versionOf(m)
    deps.engine()
      .then((engine) => engine.peek(m.chatId, m.id, version || undefined))
      // Ingested meanwhile: its own decrypt settles it (from the same cache).
      .then((result) => { if (result && !entries.has(m.id)) settle(m, result) })
      .catch((e: unknown) => { console.warn('shomik: secret preview not read', e) })
      .finally(() => peeking.delete(m.id))
  }

  async function decryptOne(engine: SecretEngine, m: Message): Promise<void> {
    const version = versionOf(m)
    let result: DecryptResult
    try {
      result = await engine.decrypt(m.chatId, m.id, m.content, version || undefined)
    } catch (e) {
      console.warn('shomik: decrypt failed', e)
      result = { ok: false, reason: 'undecryptable' }
    }
    // A newer edit was stored meanwhile (its own turn settles it), or it was deleted.
    if (wanted.get(m.id) !== version) return
    settle(m, result)
  }

  function settle(m: Message, result: DecryptResult): void {
    const version = versionOf(m)
    if (!result.ok) {
      entries.set(m.id, result.reason === 'before_join' ? { state: 'before_join', version } : { state: 'error', reason: result.reason, version })
      return
    }
    const decoded = decodePayload(result.plaintext)
    // The server says who sent it; MLS says who really did. They must agree.
    if (result.senderUserId !== m.senderId) {
      entries.set(m.id, { state: 'error', reason: 'tampered', version })
    } else if (!decoded.ok || (decoded.payload.kind === 'reaction') !== isControl(m)) {
      entries.set(m.id, { state: 'error', reason: 'malformed', version })
    } else {
      record(m, decoded.payload, result.senderUserId)
    }
  }

  function record(m: Message, payload: SecretPayload, senderUserId: number): void {
    entries.set(m.id, { state: 'ok', payload, senderUserId, version: versionOf(m) })
    wanted.set(m.id, versionOf(m))
    if (payload.kind === 'reaction') log(m.chatId).apply({ ...payload, userId: senderUserId, seq: m.seq })
  }

  /** A message this device wrote, now stored (the ack, or its event first): known by id
   *  from here on, and handed to the engine's local store for the next page load. */
  function adopt(m: Message, payload: SecretPayload): void {
    const me = useAuthStore().user?.id ?? 0
    record(m, payload, me)
    if (m.clientId !== null) written.delete(m.clientId)
    if (editing.get(m.id) === payload) editing.delete(m.id)
    rememberOwn(m.chatId, m.id, encodePayload(payload), versionOf(m)).catch((e: unknown) => {
      console.warn('shomik: could not keep own plaintext', e)
    })
  }

  function armExpiry(m: Message): void {
    const at = expiresAt(m)
    if (at === null || timers.has(m.id)) return
    const wait = at - deps.now()
    timers.set(m.id, setTimeout(() => {
      timers.delete(m.id)
      if (at - deps.now() > 0) armExpiry(m)
      else expire(m.chatId, m.id)
    }, Math.min(Math.max(0, wait), MAX_TIMER_MS)))
  }

  /** A self-destructing message's time is up: gone from view, and from the local store. */
  function expire(chatId: number, messageId: number): void {
    useMessagesStore().remove(chatId, [messageId], true)
    forget(chatId, [messageId])
  }

  /** Deleted (or expired): nothing of it stays on this device. */
  function forget(chatId: number, ids: readonly number[]): void {
    for (const id of ids) {
      entries.delete(id)
      wanted.delete(id)
      clearTimeout(timers.get(id))
      timers.delete(id)
      logs.get(chatId)?.forget(id)
    }
    if (!isSecret(chatId)) return
    void deps.engine().then(
      (engine) => Promise.all(ids.map((id) => engine.forget(chatId, id))),
      () => undefined,
    ).catch((e: unknown) => { console.warn('shomik: forget failed', e) })
  }

  /** Sign-out: nothing of one account stays for the next. */
  function reset(): void {
    entries.clear()
    written.clear()
    editing.clear()
    logs.clear()
    queues.clear()
    wanted.clear()
    opened.clear()
    retryIn.clear()
    for (const timer of timers.values()) clearTimeout(timer)
    timers.clear()
  }

  return { entries, written, editing, isSecret, reactionsOf, ready, open, ingest, peek, adopt, record, forget, expire, reset }
})
