import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import ChatInfoPanel from '@/features/chats/ChatInfoPanel.vue'
import ChatHeader from '@/features/messages/ChatHeader.vue'
import { buttonNamed, fakeServer, group, meUser, nameOf, person, testRouter } from '@/features/chats/testing'
import { device, directory } from './testing'

vi.mock('../index', async (importOriginal) => {
  const { fakeEngine } = await import('./testing')
  return { ...(await importOriginal<typeof import('../index')>()), loadEngine: () => Promise.resolve(fakeEngine) }
})
vi.mock('./safetyNumber', async (importOriginal) => {
  const real = await importOriginal<typeof import('./safetyNumber')>()
  return { ...real, safetyNumber: (ids: Parameters<typeof real.safetyNumber>[0]) => real.safetyNumber(ids, 16) }
})

const me = meUser()
const bob = person(2, 'Bob', 'online')
const secretChat: Chat = { ...group([[me, 'member'], [bob, 'member']]), id: 7, type: 'private', name: null, peer: bob, secret: true }
let mounted: VueWrapper[] = []
// Async components and SHA-512 rounds take a while on a busy test machine.
const until = (check: () => void): Promise<void> => vi.waitFor(check, { timeout: 8000 })

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(me)
  useChatsStore().upsert(secretChat)
  directory.identities = [device(1, 'a1', 1), device(2, 'b1', 2)]
})
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

async function open(): Promise<void> {
  const router = testRouter()
  await router.push('/chat/7')
  const options = { props: { chat: secretChat }, global: { plugins: [router] }, attachTo: document.body }
  // The header follows the store's copy, as ChatView passes it.
  const chats = useChatsStore()
  const Header = defineComponent({ render: () => h(ChatHeader, { chat: chats.byId.get(7) ?? secretChat }) })
  mounted = [mount(Header, { global: { plugins: [router] }, attachTo: document.body }), mount(ChatInfoPanel, options)]
  await until(() => { expect(buttonNamed('Verify safety number')).toBeDefined() })
}

function timerSelect(): HTMLSelectElement {
  const label = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === 'Self-destruct timer')
  const select = label ? document.getElementById(label.htmlFor) : null
  if (!(select instanceof HTMLSelectElement)) throw new Error('no timer picker')
  return select
}

async function choose(select: HTMLSelectElement, value: string): Promise<void> {
  select.value = value
  select.dispatchEvent(new Event('change'))
  await flushPromises()
}

const img = (name: string): Element | undefined => [...document.querySelectorAll('[role="img"]')].find((e) => nameOf(e) === name)

describe('a secret chat’s info', { timeout: 30_000 }, () => {
  it('marks the chat, says where the keys live and offers no second secret chat', async () => {
    fakeServer({})
    await open()
    const info = document.querySelector('section[aria-label="Encryption"]')
    expect(info?.querySelector('[role="img"]')?.getAttribute('aria-label')).toBe('Secret chat')
    expect(info?.textContent).toContain('The keys live only in this browser')
    expect(info?.textContent).toContain('Not verified')
    expect(buttonNamed('Start secret chat')).toBeUndefined()
  })

  it('sets the self-destruct timer and shows it in the header', async () => {
    const bodies: unknown[] = []
    const info = { id: 7, type: 'private', name: null, avatarUrl: null, createdAt: secretChat.createdAt, memberCount: 2, secret: true }
    fakeServer({
      'PUT /api/e2ee/chats/7/timer': (body) => {
        bodies.push(body)
        return { json: { ...info, peer: null, selfDestructSeconds: (body as { seconds: number | null }).seconds } }
      },
    })
    await open()
    const select = timerSelect()
    expect([...select.options].map((o) => o.textContent)).toEqual(
      ['Off', '5 seconds', '10 seconds', '30 seconds', '1 minute', '5 minutes', '1 hour', '1 day', '1 week'])
    expect(select.value).toBe('')
    expect(img('Self-destruct timer: 5 minutes')).toBeUndefined()

    await choose(select, '300')
    expect(bodies).toEqual([{ seconds: 300 }])
    const badge = img('Self-destruct timer: 5 minutes')
    expect(badge?.textContent).toBe('5m')
    expect(timerSelect().value).toBe('300')

    await choose(timerSelect(), '')
    expect(bodies).toEqual([{ seconds: 300 }, { seconds: null }])
    expect(document.querySelector('[data-testid="self-destruct-badge"]')).toBeNull()
  })

  it('says so when the server refuses, and keeps the old choice', async () => {
    fakeServer({ 'PUT /api/e2ee/chats/7/timer': () => ({ status: 403, json: { error: { code: 'forbidden', message: 'Not a member.' } } }) })
    await open()
    await choose(timerSelect(), '5')
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('Not a member.')
    expect(timerSelect().value).toBe('')
  })

  it('does not offer to verify a number that covers no one, and says who is missing', async () => {
    fakeServer({})
    directory.identities = []
    await open()
    buttonNamed('Verify safety number')?.click()
    await until(() => { expect(document.querySelector('[data-testid="safety-number"]')).not.toBeNull() })
    expect(buttonNamed('Mark as verified')?.disabled).toBe(true)
    const close = [...document.querySelectorAll('[role="dialog"] button')].find((b) => nameOf(b) === 'Close')
    ;(close as HTMLButtonElement | undefined)?.click()
    await flushPromises()
    expect(document.querySelector('[role="dialog"]')).toBeNull()
    // Only this user's device: Bob has not opened the chat on any device yet.
    directory.identities = [device(1, 'a1', 1)]
    buttonNamed('Verify safety number')?.click()
    await until(() => { expect(buttonNamed('Mark as verified')?.disabled).toBe(false) })
    expect(document.querySelector('[role="dialog"]')?.textContent).toContain('Some members have no device in this chat yet')
  })

  it('verifies from the info column and can take the mark back', async () => {
    fakeServer({})
    await open()
    buttonNamed('Verify safety number')?.click()
    await until(() => { expect(buttonNamed('Mark as verified')?.disabled).toBe(false) })
    expect(document.querySelectorAll('[data-testid="safety-number"] .group')).toHaveLength(12)
    buttonNamed('Mark as verified')?.click()
    await flushPromises()
    expect(document.querySelector('section[aria-label="Encryption"]')?.textContent).toContain('Verified')
    expect(img('Verified')).toBeDefined()

    buttonNamed('Verify safety number')?.click()
    await until(() => { expect(buttonNamed('Clear verification')).toBeDefined() })
    buttonNamed('Clear verification')?.click()
    await flushPromises()
    expect(img('Verified')).toBeUndefined()
    expect(buttonNamed('Mark as verified')).toBeDefined()
  })
})
