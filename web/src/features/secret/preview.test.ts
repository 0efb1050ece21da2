// The chat list's preview of a secret chat not opened since the page loaded: the text from
// this device's local store if it read the message before, never a decrypt just for the list.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import ChatListItem from '@/features/chats/ChatListItem.vue'
import { group, meUser, person, testRouter } from '@/features/chats/testing'
import { restoreSecretDeps, setSecretDeps } from './deps'
import { fakeEngine, plain, secretMessage, type FakeEngine } from './testing'

const CIPHER = 'AAEAAkJ4c2VjcmV0Q2lwaGVydGV4dA=='
const me = meUser(1)
const bob = person(2, 'Bob')
let engine: FakeEngine
let wrapper: VueWrapper | null = null

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  engine = fakeEngine()
  setSecretDeps({ engine: () => Promise.resolve(engine) })
  useAuthStore().setUser(me)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
  restoreSecretDeps()
})

async function item(): Promise<HTMLElement> {
  const router = testRouter()
  await router.push('/')
  const base = group([[me, 'member'], [bob, 'member']], { id: 9, secret: true })
  const chat: Chat = { ...base, type: 'private', name: null, peer: bob, lastMessage: secretMessage(5, { content: CIPHER }) }
  useChatsStore().upsert(chat)
  wrapper = mount(ChatListItem, { props: { chat, active: false }, global: { plugins: [router] }, attachTo: document.body })
  return wrapper.element as HTMLElement
}

describe('a secret chat’s preview in the chat list', () => {
  it('shows the last message’s text when this device has it in its local store', async () => {
    engine.cache.set(5, plain({ v: 1, kind: 'text', text: 'see you at 5' }, 2))
    const el = await item()
    await vi.waitFor(() => { expect(el.textContent).toContain('see you at 5') })
    expect(el.textContent).not.toContain('Encrypted message')
    expect(el.innerHTML).not.toContain(CIPHER)
    expect(engine.peeked).toEqual([5])
    // Read from the store only: MLS was not asked to open anything.
    expect(engine.decrypted).toEqual([])
  })

  it('says "Encrypted message" for one this device never read, and does not decrypt it', async () => {
    engine.results.set(CIPHER, plain({ v: 1, kind: 'text', text: 'not yet read' }, 2))
    const el = await item()
    await vi.waitFor(() => { expect(engine.peeked).toEqual([5]) })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(el.textContent).toContain('Encrypted message')
    expect(el.textContent).not.toContain('not yet read')
    expect(engine.decrypted).toEqual([])
  })

  it('checks what the store holds like a decrypt: a sender other than the server’s is an error, not text', async () => {
    engine.cache.set(5, plain({ v: 1, kind: 'text', text: 'forged' }, 3))
    const el = await item()
    await vi.waitFor(() => { expect(engine.peeked).toEqual([5]) })
    await new Promise((resolve) => setTimeout(resolve, 10))
    expect(el.textContent).not.toContain('forged')
    expect(el.textContent).toContain('Encrypted message')
  })
})
