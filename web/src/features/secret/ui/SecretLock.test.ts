import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import ChatListItem from '@/features/chats/ChatListItem.vue'
import { group, meUser, nameOf, person, testRouter } from '@/features/chats/testing'
import { setLanguage } from '@/i18n'

const me = meUser()
const bob = person(2, 'Bob')
let wrapper: VueWrapper | null = null

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(me)
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
  setLanguage('en')
})

async function item(secret: boolean): Promise<HTMLAnchorElement | null> {
  const router = testRouter()
  await router.push('/')
  const chat = { ...group([[me, 'member'], [bob, 'member']]), type: 'private' as const, name: null, peer: bob, secret }
  wrapper = mount(ChatListItem, { props: { chat, active: false }, global: { plugins: [router] }, attachTo: document.body })
  return document.querySelector('a')
}

describe('the chat list’s lock', () => {
  it('marks a secret chat, in its name and with an image named "Secret chat"', async () => {
    const link = await item(true)
    const lock = link?.querySelector('[role="img"]')
    expect(lock && nameOf(lock)).toBe('Secret chat')
    expect(link?.getAttribute('aria-label')).toBe('Bob, Secret chat')
  })

  it('is not on an ordinary chat', async () => {
    const link = await item(false)
    expect(link?.querySelector('[role="img"]')).toBeNull()
    expect(link?.getAttribute('aria-label')).toBe('Bob')
  })

  it('is named in Russian too', async () => {
    setLanguage('ru')
    const link = await item(true)
    const lock = link?.querySelector('[role="img"]')
    expect(lock && nameOf(lock)).toBe('Секретный чат')
  })
})
