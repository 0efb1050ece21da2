import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import ConfirmDialog from '@/ui/ConfirmDialog.vue'
import NewGroupDialog from './NewGroupDialog.vue'
import { buttonNamed, fakeServer, group, meUser, person, testRouter, wait } from './testing'

const bob = person(2, 'Bob', 'online')
let wrapper: VueWrapper | null = null

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser())
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

async function open(): Promise<ReturnType<typeof testRouter>> {
  const router = testRouter()
  await router.push('/')
  wrapper = mount(NewGroupDialog, { global: { plugins: [router] }, attachTo: document.body })
  await flushPromises()
  return router
}

function field(label: string): HTMLInputElement {
  const l = [...document.querySelectorAll('label')].find((x) => x.textContent.trim() === label)
  const input = l ? document.getElementById(l.htmlFor) : null
  if (!(input instanceof HTMLInputElement)) throw new Error(`no field "${label}"`)
  return input
}

async function type(input: HTMLInputElement, value: string): Promise<void> {
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

describe('NewGroupDialog', () => {
  it('searches people, picks them, creates the group and opens it', async () => {
    let created: unknown = null
    const fetchMock = fakeServer({
      'GET /api/users?q=bo': () => ({ json: { users: [bob, person(1, 'Amina')] } }),
      'POST /api/chats': (body) => {
        created = body
        return { status: 201, json: { ...group([[meUser(), 'owner'], [bob, 'member']], { id: 10, name: 'Friends' }), invitedUserIds: [] } }
      },
    })
    const router = await open()
    expect(document.activeElement).toBe(field('Group name'))
    await type(field('Group name'), '  Friends ')
    await type(field('Add people'), 'bo')
    expect(fetchMock).not.toHaveBeenCalled() // debounced
    await wait(300)
    await flushPromises()
    // Oneself is not offered.
    expect(buttonNamed('Add Amina')).toBeUndefined()
    buttonNamed('Add Bob')?.click()
    await flushPromises()
    expect(buttonNamed('Remove Bob')).toBeDefined()
    expect(field('Add people').value).toBe('')

    buttonNamed('Create group')?.click()
    await flushPromises()
    expect(created).toEqual({ type: 'group', name: 'Friends', participantIds: [2] })
    expect(useChatsStore().byId.get(10)?.name).toBe('Friends')
    expect(router.currentRoute.value.fullPath).toBe('/chat/10')
    expect(wrapper?.emitted('close')).toHaveLength(1)
  })

  it('removes a picked person with the chip button', async () => {
    fakeServer({ 'GET /api/users?q=bob': () => ({ json: { users: [bob] } }) })
    await open()
    await type(field('Add people'), 'bob')
    await wait(300)
    await flushPromises()
    buttonNamed('Add Bob')?.click()
    await flushPromises()
    buttonNamed('Remove Bob')?.click()
    await flushPromises()
    expect(buttonNamed('Remove Bob')).toBeUndefined()
  })

  it('makes a secret group when "Secret group" is on, after explaining it', async () => {
    let created: unknown = null
    fakeServer({
      'GET /api/users?q=bo': () => ({ json: { users: [bob] } }),
      'POST /api/e2ee/chats': (body) => {
        created = body
        return { status: 201, json: { ...group([[meUser(), 'owner'], [bob, 'member']], { id: 11, name: 'Plans', secret: true }), invitedUserIds: [] } }
      },
    })
    const host = mount(ConfirmDialog, { attachTo: document.body })
    const router = await open()
    field('Secret group').click()
    await flushPromises()
    expect(document.querySelector('[role="dialog"] h2')?.textContent).toContain('New secret group')
    await type(field('Group name'), 'Plans')
    await type(field('Add people'), 'bo')
    await wait(300)
    await flushPromises()
    buttonNamed('Add Bob')?.click()
    await flushPromises()
    buttonNamed('Create secret group')?.click()
    await flushPromises()
    // Where the keys live, asked before the first secret chat on this device.
    buttonNamed('I understand')?.click()
    await flushPromises()
    expect(created).toEqual({ type: 'group', name: 'Plans', participantIds: [2] })
    expect(useChatsStore().byId.get(11)?.secret).toBe(true)
    expect(router.currentRoute.value.fullPath).toBe('/chat/11')
    host.unmount()
  })

  it('refuses a secret group of more than 50', async () => {
    const fetchMock = fakeServer({})
    await open()
    field('Secret group').click()
    await type(field('Group name'), 'Crowd')
    const picker = wrapper?.findComponent({ name: 'PeoplePicker' })
    picker?.vm.$emit('update:picked', Array.from({ length: 50 }, (_, i) => person(100 + i, `P${i}`)))
    await flushPromises()
    buttonNamed('Create secret group')?.click()
    await flushPromises()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('A secret group has at most 50 members.')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it("asks for a name, and shows the server's error", async () => {
    fakeServer({
      'POST /api/chats': () => ({ status: 422, json: { error: { code: 'invalid', message: 'Too many members.' } } }),
    })
    await open()
    buttonNamed('Create group')?.click()
    await flushPromises()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('A group needs a name.')
    await type(field('Group name'), 'Friends')
    buttonNamed('Create group')?.click()
    await flushPromises()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('Too many members.')
    expect(wrapper?.emitted('close')).toBeUndefined()
  })
})
