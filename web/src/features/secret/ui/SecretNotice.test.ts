import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import ChatHeader from '@/features/messages/ChatHeader.vue'
import { buttonNamed, fakeServer, group, meUser, nameOf, person, testRouter } from '@/features/chats/testing'
import SecretNotice from './SecretNotice.vue'
import { safetyGroups, safetyNumber } from './safetyNumber'
import { markIntroSeen } from './intro'
import { device, directory } from './testing'
import { identitiesMayHaveChanged } from './trustSignal'
import { useSecretTrustStore } from './trust'

vi.mock('../index', async (importOriginal) => {
  const { fakeEngine } = await import('./testing')
  return { ...(await importOriginal<typeof import('../index')>()), loadEngine: () => Promise.resolve(fakeEngine) }
})
// The real computation with fewer rounds: 5,200 SHA-512s per look are slow on a busy test
// machine, and safetyNumber.test.ts covers the rounds.
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
  fakeServer({})
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
  mounted = [mount(ChatHeader, options), mount(SecretNotice, options)]
  await flushPromises()
}

const img = (name: string): Element | undefined => [...document.querySelectorAll('[role="img"]')].find((e) => nameOf(e) === name)
// Without the isolation marks around names (lib/bidi).
const notice = (): string =>
  (document.querySelector('[data-testid="key-change-notice"]')?.textContent ?? '').replace(/[\u2066-\u2069]/g, '')

describe('SecretNotice', { timeout: 30_000 }, () => {
  it('explains secret chats once, to a member who has not seen it yet', async () => {
    await open()
    expect(document.body.textContent).toContain('The keys live only in this browser')
    buttonNamed('Got it')?.click()
    await flushPromises()
    expect(document.body.textContent).not.toContain('The keys live only in this browser')
    expect(img('Secret chat')).toBeDefined()
    expect(buttonNamed('About Bob, Secret chat')).toBeDefined()
  })

  it('warns when Bob’s devices change, and verifying ends the warning', async () => {
    markIntroSeen()
    await open()
    await until(() => { expect(useSecretTrustStore().state(7)).toBeDefined() })
    expect(notice()).toBe('')

    // Bob signs in on a second device: the commit that adds it reaches this device.
    directory.identities = [...directory.identities, device(2, 'b2', 3)]
    identitiesMayHaveChanged(7)
    await until(() => { expect(notice()).toContain('Bob’s devices changed. Verify again.') })

    buttonNamed('Verify')?.click()
    await until(() => { expect(document.querySelector('[data-testid="safety-number"]')).not.toBeNull() })
    const shown = [...document.querySelectorAll('[data-testid="safety-number"] .group')].map((g) => g.textContent)
    expect(shown).toEqual(safetyGroups(await safetyNumber(directory.identities)))
    await until(() => { expect(img('Safety number as a QR code')).toBeDefined() })
    buttonNamed('Mark as verified')?.click()
    await flushPromises()
    expect(notice()).toBe('')
    expect(img('Verified')).toBeDefined()
    expect(buttonNamed('About Bob, Secret chat, Verified')).toBeDefined()

    // Another device of Bob's: the mark goes and the warning comes back.
    directory.identities = [...directory.identities, device(2, 'b3', 4)]
    identitiesMayHaveChanged(7)
    await until(() => { expect(notice()).toContain('Bob’s devices changed') })
    expect(img('Verified')).toBeUndefined()
  })

  it('can be dismissed without verifying', async () => {
    markIntroSeen()
    await open()
    await until(() => { expect(useSecretTrustStore().state(7)).toBeDefined() })
    directory.identities = [device(1, 'a1', 1), device(2, 'b1', 9)]
    identitiesMayHaveChanged(7)
    await until(() => { expect(notice()).toContain('Bob’s devices changed') })
    buttonNamed('Dismiss')?.click()
    await flushPromises()
    expect(notice()).toBe('')
  })
})
