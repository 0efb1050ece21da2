// A fake SecretEngine for the secret-chat message tests: "ciphertext" is a label that says
// what decrypt returns, every call is recorded, and decrypts can be held back to test order.
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { group, meUser, person } from '@/features/chats/testing'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { setSecretDeps } from './deps'
import type { DecryptResult, SecretEngine } from './index'
import { encodePayload, type SecretPayload } from './payload'

export interface FakeEngine extends SecretEngine {
  decrypted: number[]
  encrypted: Uint8Array[]
  forgotten: number[]
  remembered: number[]
  /** Message ids peek() was asked about. */
  peeked: number[]
  /** What the local cache holds, by message id (peek answers from it, decrypt does not). */
  cache: Map<number, DecryptResult>
  /** What decrypt answers for a content label. */
  results: Map<string, DecryptResult>
  /** Decrypts of these message ids wait until released. */
  hold(id: number): () => void
}

export function fakeEngine(): FakeEngine {
  const holds = new Map<number, Promise<void>>()
  let sealed = 0
  const engine: FakeEngine = {
    decrypted: [],
    encrypted: [],
    forgotten: [],
    remembered: [],
    peeked: [],
    cache: new Map(),
    results: new Map(),
    hold(id) {
      let release: () => void = () => undefined
      holds.set(id, new Promise<void>((resolve) => { release = resolve }))
      return () => { release() }
    },
    ensureDevice: () => Promise.resolve({ deviceId: 'dev-me' }),
    openChat: () => Promise.resolve(),
    encrypt: (_chatId, plaintext) => {
      engine.encrypted.push(plaintext)
      return Promise.resolve(`cipher-${++sealed}`)
    },
    decrypt: async (_chatId, messageId, content) => {
      engine.decrypted.push(messageId)
      await holds.get(messageId)
      return engine.results.get(content) ?? { ok: false, reason: 'undecryptable' }
    },
    handleEvent: () => Promise.resolve(),
    devicesChanged: () => Promise.resolve(),
    identities: () => Promise.resolve([]),
    forget: (_chatId, messageId) => {
      engine.forgotten.push(messageId)
      return Promise.resolve()
    },
    remember: (_chatId, messageId) => {
      engine.remembered.push(messageId)
      return Promise.resolve()
    },
    peek: (_chatId, messageId) => {
      engine.peeked.push(messageId)
      return Promise.resolve(engine.cache.get(messageId) ?? null)
    },
    wipe: () => Promise.resolve(),
  }
  return engine
}

/** A decrypt result carrying this payload from this sender. */
export function plain(payload: SecretPayload, senderUserId: number): DecryptResult {
  return { ok: true, plaintext: encodePayload(payload), senderUserId, senderDeviceId: `dev-${senderUserId}` }
}

export function secretMessage(id: number, extra: Partial<Message> = {}): Message {
  return {
    id, chatId: 9, seq: id, senderId: 2, type: 'text', content: `c${id}`, createdAt: '2026-11-26T07:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null, meta: null,
    editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
    ...extra,
  }
}

/** Fresh stores: Amina (1) signed in, in secret group 9 with Bob (2), behind a fake engine. */
export function secretGroupOfTwo(): FakeEngine {
  setActivePinia(createPinia())
  const engine = fakeEngine()
  setSecretDeps({ engine: () => Promise.resolve(engine) })
  useAuthStore().setUser(meUser(1))
  useChatsStore().upsert(group([[person(1, 'Amina'), 'owner'], [person(2, 'Bob'), 'member']], { id: 9, secret: true }))
  return engine
}
