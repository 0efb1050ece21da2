import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat } from '@/api/types'
import ConfirmDialog from '@/ui/ConfirmDialog.vue'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import ChatActions from '@/features/chats/ChatActions.vue'
import ChatInfoPanel from '@/features/chats/ChatInfoPanel.vue'
import AccountSection from '@/features/settings/AccountSection.vue'
import { buttonNamed, fakeServer, group, meUser, nameOf, person, testRouter } from '@/features/chats/testing'
import { markIntroSeen } from './intro'

const me = meUser()
const bob = person(2, 'Bob', 'online')
const ordinary: Chat = { ...group([[me, 'member'], [bob, 'member']]), id: 6, type: 'private', name: null, peer: bob }
const secret: Chat = { ...ordinary, id: 9, secret: true }
let mounted: VueWrapper[] = []
let router = testRouter()
let created: unknown[] = []

beforeEach(async () => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(me)
  useChatsStore().upsert(ordinary)
  created = []
  fakeServer({
    'POST /api/e2ee/chats': (body) => {
      created.push(body)
      return { status: 201, json: { ...secret, invitedUserIds: [] } }
    },
  })
  router = testRouter()
  await router.push('/chat/6')
  mounted = [mount(ConfirmDialog, { attachTo: document.body })]
})
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

function show(component: Parameters<typeof mount>[0], props: Record<string, unknown>): void {
  mounted.push(mount(component, { props, global: { plugins: [router] }, attachTo: document.body }))
}
const dialogText = (): string => document.querySelector('[role="dialog"]')?.textContent ?? ''
const menuItem = (name: string): HTMLElement | undefined =>
  [...document.querySelectorAll<HTMLElement>('[role="menuitem"]')].find((b) => nameOf(b) === name)

describe('Start secret chat', () => {
  it('explains first, then makes a new secret chat with the person and opens it', async () => {
    show(ChatInfoPanel, { chat: ordinary })
    await flushPromises()
    buttonNamed('Start secret chat')?.click()
    await flushPromises()
    expect(dialogText()).toContain('The keys live only in this browser on this device')
    expect(dialogText()).toContain('If all your devices sign out, the history of your secret chats is lost for good.')
    expect(created).toEqual([])
    buttonNamed('I understand')?.click()
    await flushPromises()
    expect(created).toEqual([{ type: 'private', userId: 2 }])
    expect(useChatsStore().byId.get(9)?.secret).toBe(true)
    expect(useChatsStore().byId.get(6)?.secret).toBe(false) // the ordinary chat stays as it was
    expect(router.currentRoute.value.fullPath).toBe('/chat/9')
  })

  it('does nothing if the explanation is declined, and does not explain twice', async () => {
    show(ChatInfoPanel, { chat: ordinary })
    await flushPromises()
    buttonNamed('Start secret chat')?.click()
    await flushPromises()
    buttonNamed('Cancel')?.click()
    await flushPromises()
    expect(created).toEqual([])
    expect(router.currentRoute.value.fullPath).toBe('/chat/6')
    markIntroSeen()
    buttonNamed('Start secret chat')?.click()
    await flushPromises()
    expect(dialogText()).toBe('')
    expect(created).toHaveLength(1)
  })

  it('is in a private chat’s menu, but not a group’s or a secret chat’s', async () => {
    markIntroSeen()
    show(ChatActions, { chat: group([[me, 'owner'], [bob, 'member']]), x: 0, y: 0 })
    await flushPromises()
    expect(menuItem('Start secret chat')).toBeUndefined()
    mounted.pop()?.unmount()
    show(ChatActions, { chat: secret, x: 0, y: 0 })
    await flushPromises()
    expect(menuItem('Start secret chat')).toBeUndefined()
    mounted.pop()?.unmount()
    show(ChatActions, { chat: ordinary, x: 0, y: 0 })
    await flushPromises()
    menuItem('Start secret chat')?.click()
    await flushPromises()
    expect(created).toEqual([{ type: 'private', userId: 2 }])
    expect(router.currentRoute.value.fullPath).toBe('/chat/9')
  })
})

describe('signing out with secret chats', () => {
  it('says that their keys and history on this device go too', async () => {
    show(AccountSection, {})
    buttonNamed('Log out')?.click()
    await flushPromises()
    expect(dialogText()).not.toContain('secret chats')
    buttonNamed('Cancel')?.click()
    await flushPromises()
    useChatsStore().upsert(secret)
    buttonNamed('Log out')?.click()
    await flushPromises()
    expect(dialogText()).toContain('Your secret chats’ keys and history on this device will be deleted.')
    buttonNamed('Cancel')?.click()
    await flushPromises()
  })
})
