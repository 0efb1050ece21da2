import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { CommandError } from '@/realtime/client'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useOutboxStore, type OutboxItem } from '@/stores/outbox'
import { group, meUser, person } from '@/features/chats/testing'
import { restoreSecretDeps, setSecretDeps, type SecretDeps } from './deps'
import { decodePayload } from './payload'
import { present } from './present'
import { NOT_READY_RETRY_SECONDS, editSecret, enqueueSecret, reactSecret, sealOutboxItem, sentSecret } from './send'
import { useSecretStore } from './store'
import { fakeEngine, plain, secretMessage, type FakeEngine } from './testing'

const ME = 1
let engine: FakeEngine
let commands: { type: string; data: Record<string, unknown> }[]

function payloadOf(bytes: Uint8Array | undefined): unknown {
  const decoded = decodePayload(bytes ?? new Uint8Array())
  return decoded.ok ? decoded.payload : decoded.error
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  engine = fakeEngine()
  commands = []
  let nextId = 100
  const command = ((type: string, data: Record<string, unknown>) => {
    commands.push({ type, data })
    const id = type === 'message:edit' ? (data.messageId as number) : ++nextId
    return Promise.resolve(secretMessage(id, {
      senderId: ME, content: data.content as string, clientId: (data.clientId as string | undefined) ?? null,
      type: (data.type as Message['type'] | undefined) ?? 'text', editedAt: type === 'message:edit' ? '2026-11-26T07:10:00Z' : null,
    }))
  }) as unknown as SecretDeps['command']
  setSecretDeps({ engine: () => Promise.resolve(engine), command })
  useAuthStore().setUser(meUser(ME))
  useChatsStore().upsert(group([[person(ME, 'Amina'), 'owner'], [person(2, 'Bob'), 'member']], { id: 9, secret: true }))
})

afterEach(() => { restoreSecretDeps() })

describe('sending in a secret chat', () => {
  it('encrypts once: a retry resends the same ciphertext with the same clientId', async () => {
    const outbox = useOutboxStore()
    const attempts: { clientId: string; content: string }[] = []
    let fail = true
    outbox.configure(async (item: OutboxItem) => {
      await sealOutboxItem(item)
      attempts.push({ clientId: item.clientId, content: item.content })
      if (fail) {
        fail = false
        throw new CommandError('disconnected', 'gone')
      }
      const stored = secretMessage(50, { senderId: ME, clientId: item.clientId, content: item.content })
      sentSecret(stored)
      return stored
    }, () => undefined)
    enqueueSecret({ clientId: 'cid-1', chatId: 9, text: 'secret words', replyTo: 7, attachments: [], sealed: [] })
    // The echo shows the plaintext at once; the stored outbox item never holds it.
    expect(JSON.stringify(localStorage)).not.toContain('secret words')
    await vi.waitFor(() => { expect(attempts).toHaveLength(1) })
    expect(outbox.items[0]?.status).toBe('queued')
    expect(outbox.items[0]?.replyTo).toBeNull() // the server is not told what it replies to
    await outbox.flush()
    await vi.waitFor(() => { expect(outbox.items).toHaveLength(0) })
    expect(engine.encrypted).toHaveLength(1)
    expect(payloadOf(engine.encrypted[0])).toEqual({ v: 1, kind: 'text', text: 'secret words', replyTo: 7 })
    expect(attempts).toEqual([{ clientId: 'cid-1', content: 'cipher-1' }, { clientId: 'cid-1', content: 'cipher-1' }])
    // Known by id now, without decrypting (MLS cannot, on the sending device).
    expect(present(secretMessage(50, { senderId: ME, clientId: 'cid-1' })).content).toBe('secret words')
    expect(engine.decrypted).toEqual([])
  })

  it('waits and tries again, not failed, while the group cannot be brought up to date', async () => {
    vi.useFakeTimers()
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    try {
      let refusals = 2
      engine.openChat = () => (refusals-- > 0 ? Promise.reject(new Error('commit lost 6 times')) : Promise.resolve())
      const outbox = useOutboxStore()
      const sent: string[] = []
      outbox.configure(async (item: OutboxItem) => {
        await sealOutboxItem(item)
        sent.push(item.content)
        return secretMessage(51, { senderId: ME, clientId: item.clientId, content: item.content })
      }, () => undefined)
      enqueueSecret({ clientId: 'cid-2', chatId: 9, text: 'soon', replyTo: null, attachments: [], sealed: [] })
      await vi.advanceTimersByTimeAsync(0)
      expect(outbox.items[0]?.status).toBe('queued') // not 'failed'
      expect(outbox.waitUntil).not.toBeNull()
      expect(sent).toEqual([])
      await vi.advanceTimersByTimeAsync(NOT_READY_RETRY_SECONDS * 1000 + 100)
      expect(sent).toEqual([]) // the second try was refused too
      await vi.advanceTimersByTimeAsync(NOT_READY_RETRY_SECONDS * 1000 + 100)
      expect(sent).toEqual(['cipher-1'])
      expect(outbox.items).toHaveLength(0)
      expect(warn).toHaveBeenCalledTimes(2)
    } finally {
      warn.mockRestore()
      vi.useRealTimers()
    }
  })

  it('fails, never sends, when the plaintext was lost before it was encrypted', async () => {
    const item = { clientId: 'gone', chatId: 9, content: '', replyTo: null, attachments: [], createdAt: '', status: 'queued', error: null } as OutboxItem
    await expect(sealOutboxItem(item)).rejects.toThrow('lost before it was encrypted')
    expect(item.sealed).toBeUndefined()
  })

  it('edits with a new ciphertext that keeps the reply and the files', async () => {
    const store = useSecretStore()
    engine.results.set('c5', plain({ v: 1, kind: 'text', text: 'old', replyTo: 3 }, ME))
    const m = secretMessage(5, { senderId: ME })
    store.ingest([m])
    await vi.waitFor(() => { expect(present(m).content).toBe('old') })
    const updated = await editSecret(m, 'new')
    expect(commands).toEqual([{ type: 'message:edit', data: { messageId: 5, content: 'cipher-1' } }])
    expect(payloadOf(engine.encrypted[0])).toEqual({ v: 1, kind: 'text', text: 'new', replyTo: 3 })
    expect(present(updated).content).toBe('new')
    // Its message:updated, coming later, changes nothing and decrypts nothing.
    store.ingest([updated])
    expect(engine.decrypted).toEqual([5])
  })

  it('reacts with an encrypted control message and applies it on the ack', async () => {
    const m = secretMessage(5)
    await reactSecret(m, '🔥')
    const [sent] = commands
    expect(sent?.type).toBe('message:send')
    expect(sent?.data).toMatchObject({ chatId: 9, type: 'control', content: 'cipher-1' })
    expect(payloadOf(engine.encrypted[0])).toEqual({ v: 1, kind: 'reaction', target: 5, emoji: '🔥', on: true })
    expect(present(m).reactions).toEqual({ '🔥': [ME] })
    await reactSecret(m, '🔥')
    expect(payloadOf(engine.encrypted[1])).toMatchObject({ on: false })
    expect(present(m).reactions).toEqual({})
  })
})
