import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { mount } from '@vue/test-utils'
import { computed } from 'vue'
import type { Chat } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useMessagesStore } from '@/stores/messages'
import { group, meUser, person } from '@/features/chats/testing'
import { restoreSecretDeps, setSecretDeps } from './deps'
import { present, secretPreview, statusOf, visible } from './present'
import { useSecretStore } from './store'
import { fakeEngine, plain, secretMessage, type FakeEngine } from './testing'
import SecretBody from './SecretBody.vue'

const ME = 1
let engine: FakeEngine
let chat: Chat

const settled = (): Promise<void> => vi.waitFor(() => {
  expect([...useSecretStore().entries.values()].some((e) => e.state === 'pending')).toBe(false)
})

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  engine = fakeEngine()
  setSecretDeps({ engine: () => Promise.resolve(engine) })
  useAuthStore().setUser(meUser(ME))
  chat = group([[person(ME, 'Amina'), 'owner'], [person(2, 'Bob'), 'member']], { id: 9, secret: true })
  useChatsStore().upsert(chat)
})

afterEach(() => {
  restoreSecretDeps()
  vi.useRealTimers()
})

describe('secret messages: decrypting', () => {
  it('hands waiting messages to the engine in seq order, whatever order they came in', async () => {
    const store = useSecretStore()
    const opening: (() => void)[] = []
    engine.openChat = () => new Promise<void>((resolve) => { opening.push(resolve) })
    // While the chat's group is being brought up to date, messages of two pages wait.
    store.ingest([secretMessage(3), secretMessage(1)])
    store.ingest([secretMessage(2), secretMessage(5)])
    await vi.waitFor(() => { expect(opening).toHaveLength(1) })
    expect(engine.decrypted).toEqual([])
    for (const open of opening) open()
    await settled()
    expect(engine.decrypted).toEqual([1, 2, 3, 5])
    // Later arrivals follow in the order they come (the stream's order, commits included).
    store.ingest([secretMessage(4)])
    await settled()
    expect(engine.decrypted).toEqual([1, 2, 3, 5, 4])
    // Each message once: a page loaded again decrypts nothing again.
    store.ingest([1, 2, 3, 4, 5].map((id) => secretMessage(id)))
    await settled()
    expect(engine.decrypted).toEqual([1, 2, 3, 5, 4])
  })

  it('never shows ciphertext: a placeholder while decrypting, then the text', async () => {
    const store = useSecretStore()
    engine.results.set('c5', plain({ v: 1, kind: 'text', text: 'hello' }, 2))
    const release = engine.hold(5)
    const m = secretMessage(5)
    store.ingest([m])
    expect(present(m).content).toBe('')
    expect(statusOf(m)).toBe('pending')
    expect(secretPreview(m)).toBe('Encrypted message')
    release()
    await settled()
    expect(present(m).content).toBe('hello')
    expect(secretPreview(m)).toBe('hello')
  })

  it('re-decrypts an edit (a new version) and keeps non-secret chats untouched', async () => {
    const store = useSecretStore()
    engine.results.set('c6', plain({ v: 1, kind: 'text', text: 'v1' }, 2))
    engine.results.set('c6b', plain({ v: 1, kind: 'text', text: 'v2' }, 2))
    store.ingest([secretMessage(6)])
    await settled()
    const edited = secretMessage(6, { content: 'c6b', editedAt: '2026-11-26T07:05:00Z' })
    store.ingest([edited])
    await vi.waitFor(() => { expect(present(edited).content).toBe('v2') })
    const open = secretMessage(7, { chatId: 1 })
    store.ingest([open])
    expect(present(open)).toBe(open)
    expect(engine.decrypted).toEqual([6, 6])
  })
})

describe('secret messages: an engine not ready', () => {
  it('keeps messages waiting (not failed) and retries until the chat opens', async () => {
    vi.useFakeTimers()
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    let refusals = 2
    engine.openChat = () => (refusals-- > 0 ? Promise.reject(new Error('no Welcome yet')) : Promise.resolve())
    engine.results.set('c1', plain({ v: 1, kind: 'text', text: 'finally' }, 2))
    const m = secretMessage(1)
    useSecretStore().ingest([m])
    await vi.advanceTimersByTimeAsync(4000)
    expect(statusOf(m)).toBe('pending')
    expect(engine.decrypted).toEqual([])
    // 5 s, then 10 s: the third try opens the chat.
    await vi.advanceTimersByTimeAsync(11_000)
    expect(present(m).content).toBe('finally')
  })
})

describe('secret messages: what is shown', () => {
  it('applies control messages to their target and never shows them', async () => {
    const store = useSecretStore()
    engine.results.set('c1', plain({ v: 1, kind: 'text', text: 'hi' }, 2))
    engine.results.set('c2', plain({ v: 1, kind: 'reaction', target: 1, emoji: '👍', on: true }, 2))
    engine.results.set('c3', plain({ v: 1, kind: 'reaction', target: 1, emoji: '🔥', on: true }, 2))
    engine.results.set('c4', plain({ v: 1, kind: 'reaction', target: 1, emoji: '👍', on: false }, 2))
    const list = [secretMessage(1), ...[2, 3, 4].map((id) => secretMessage(id, { type: 'control' }))]
    // What a view renders follows the reactions as they are applied.
    const shown = computed(() => present(list[0] ?? secretMessage(0)).reactions)
    expect(shown.value).toEqual({})
    store.ingest(list)
    await settled()
    expect(visible(chat, list).map((m) => m.id)).toEqual([1])
    expect(shown.value).toEqual({ '🔥': [2] })
  })

  it('refuses a payload whose kind does not fit the message, or whose MLS sender is not the server’s', async () => {
    const store = useSecretStore()
    engine.results.set('c1', plain({ v: 1, kind: 'reaction', target: 1, emoji: '👍', on: true }, 2))
    engine.results.set('c2', plain({ v: 1, kind: 'text', text: 'I am Bob' }, 3))
    engine.results.set('c3', { ok: true, plaintext: new TextEncoder().encode('{"v":1,"kind":"text","text":7}'), senderUserId: 2, senderDeviceId: 'd' })
    const [a, b, c] = [secretMessage(1), secretMessage(2), secretMessage(3)]
    store.ingest([a, b, c])
    await settled()
    expect([statusOf(a), statusOf(b), statusOf(c)]).toEqual(['malformed', 'tampered', 'malformed'])
    expect([a, b, c].map((m) => present(m).content)).toEqual(['', '', ''])
  })

  it('renders before_join muted and a tampered message as an error line', async () => {
    const store = useSecretStore()
    engine.results.set('c1', { ok: false, reason: 'before_join' })
    engine.results.set('c2', { ok: false, reason: 'tampered' })
    store.ingest([secretMessage(1), secretMessage(2)])
    await settled()
    const early = mount(SecretBody, { props: { message: present(secretMessage(1)) } })
    expect(early.text()).toBe('Sent before this device joined')
    expect(early.get('[data-testid="secret-status"]').classes()).not.toContain('error')
    const bad = mount(SecretBody, { props: { message: present(secretMessage(2)) } })
    expect(bad.get('[role="alert"]').text()).toBe('This message was altered on the way and cannot be shown.')
    expect(bad.text()).not.toContain('c2')
  })

  it('builds the reply quote from the payload, not the server', async () => {
    const store = useSecretStore()
    const messages = useMessagesStore()
    const t = messages.timeline(9)
    const target = secretMessage(1)
    const reply = secretMessage(2, { senderId: 2 })
    t.messages.push(target, reply)
    t.ready = true
    engine.results.set('c1', plain({ v: 1, kind: 'text', text: 'question' }, 2))
    engine.results.set('c2', plain({ v: 1, kind: 'text', text: 'answer', replyTo: 1 }, 2))
    store.ingest([target, reply])
    await settled()
    expect(present(reply).replyPreview).toMatchObject({ id: 1, seq: 1, content: 'question' })
  })
})

describe('secret messages: own and expiring', () => {
  it('takes this device’s own message from memory (MLS cannot decrypt it here)', async () => {
    const store = useSecretStore()
    store.written.set('cid-1', { v: 1, kind: 'text', text: 'mine' })
    const m = secretMessage(8, { senderId: ME, clientId: 'cid-1' })
    store.ingest([m])
    expect(present(m).content).toBe('mine')
    await vi.waitFor(() => { expect(engine.remembered).toEqual([8]) })
    expect(engine.decrypted).toEqual([])
    expect(store.written.has('cid-1')).toBe(false)
  })

  it('removes a self-destructing message at its time and forgets it', async () => {
    vi.useFakeTimers()
    const now = Date.parse('2026-11-26T07:00:00Z')
    vi.setSystemTime(now)
    setSecretDeps({ now: () => Date.now() })
    const messages = useMessagesStore()
    const t = messages.timeline(9)
    const m = secretMessage(1, { expiresAt: '2026-11-26T07:00:05Z' })
    t.messages.push(m)
    t.ready = true
    engine.results.set('c1', plain({ v: 1, kind: 'text', text: 'bye' }, 2))
    useSecretStore().ingest([m])
    expect(visible(chat, t.messages)).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(5000)
    expect(messages.timeline(9).messages).toHaveLength(0)
    expect(useSecretStore().entries.has(1)).toBe(false)
    expect(engine.forgotten).toEqual([1])
    // Already past its time when loaded: never shown.
    expect(visible(chat, [m])).toEqual([])
  })
})
