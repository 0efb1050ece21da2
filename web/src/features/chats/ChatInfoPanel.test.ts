import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat, Member, UserPublic } from '@/api/types'
import ConfirmDialog from '@/ui/ConfirmDialog.vue'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useMembersStore } from '@/stores/members'
import ChatInfoPanel from './ChatInfoPanel.vue'
import { buttonNamed, fakeServer, group, memberPage, meUser, person, testRouter } from './testing'

const me = meUser()
const bob = person(2, 'Bob', 'online')
const carol = person(3, 'Carol')
const dan = person(4, 'Dan')
let mounted: VueWrapper[] = []
// Who `GET /api/chats/5/members` answers with: the group the test opened.
let team: [UserPublic, Member['role']][] = []

/** The fake server, with the group's members always there to load. */
function serve(routes: Parameters<typeof fakeServer>[0] = {}): ReturnType<typeof fakeServer> {
  return fakeServer({ 'GET /api/chats/5/members?limit=100': () => ({ json: memberPage(team) }), ...routes })
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(me)
  serve() // nothing shared: the tests that need the server stub it again
})
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

function teamWithMeAs(role: Member['role']): Chat {
  const others: [UserPublic, Member['role']][] =
    role === 'owner' ? [[carol, 'admin'], [bob, 'member']] : [[dan, 'owner'], [carol, 'admin'], [bob, 'member']]
  team = [[me, role], ...others]
  return group(team)
}

async function open(chat: Chat): Promise<{ panel: VueWrapper; router: ReturnType<typeof testRouter> }> {
  useChatsStore().upsert(chat)
  const router = testRouter()
  await router.push(`/chat/${chat.id}`)
  const host = mount(ConfirmDialog, { attachTo: document.body })
  const panel = mount(ChatInfoPanel, { props: { chat }, global: { plugins: [router] }, attachTo: document.body })
  mounted = [panel, host]
  await flushPromises()
  return { panel, router }
}

const has = (name: string): boolean => buttonNamed(name) !== undefined
// The panel's own name: its landmark is labelled by this heading.
const heading = (): string | undefined => {
  const aside = document.querySelector('aside')
  return document.getElementById(aside?.getAttribute('aria-labelledby') ?? '')?.textContent
}
// Requests that change something (the panel also loads the shared media with a GET).
const writes = (mock: ReturnType<typeof fakeServer>): unknown[] =>
  mock.mock.calls.filter(([, init]) => (init?.method ?? 'GET') !== 'GET')

describe('ChatInfoPanel', () => {
  it('offers the owner every management action but none on the owner', async () => {
    await open(teamWithMeAs('owner'))
    expect(heading()).toBe('Group info')
    expect(document.body.textContent).toContain('3 members, 2 online')
    for (const name of ['Rename group', 'Change group photo', 'Add members', 'Make Bob admin',
      'Remove admin rights of Carol', 'Remove Bob from the group', 'Remove Carol from the group', 'Leave group']) {
      expect(has(name), name).toBe(true)
    }
    expect(has('Remove Amina from the group')).toBe(false)
  })

  it('lets an admin add, promote and remove members but not touch other admins or the owner', async () => {
    await open(teamWithMeAs('admin'))
    expect(has('Make Bob admin')).toBe(true)
    expect(has('Remove Bob from the group')).toBe(true)
    expect(has('Remove Carol from the group')).toBe(false)
    expect(has('Remove admin rights of Carol')).toBe(false)
    expect(has('Remove Dan from the group')).toBe(false)
  })

  it('gives a plain member only "Leave group"', async () => {
    await open(teamWithMeAs('member'))
    for (const name of ['Rename group', 'Change group photo', 'Add members', 'Make Bob admin', 'Remove Bob from the group']) {
      expect(has(name), name).toBe(false)
    }
    expect(has('Leave group')).toBe(true)
  })

  it('renames the group inline', async () => {
    let sent: unknown = null
    serve({
      'PATCH /api/chats/5': (body) => {
        sent = body
        return { json: { ...teamWithMeAs('owner'), name: 'Crew' } }
      },
    })
    await open(teamWithMeAs('owner'))
    buttonNamed('Rename group')?.click()
    await flushPromises()
    const input = document.activeElement as HTMLInputElement
    input.value = 'Crew'
    input.dispatchEvent(new Event('input'))
    buttonNamed('Save group name')?.click()
    await flushPromises()
    expect(sent).toEqual({ name: 'Crew' })
    expect(useChatsStore().byId.get(5)?.name).toBe('Crew')
    expect(document.querySelector('aside h3')?.textContent).toBe('Crew')
  })

  it('adds members found by search, not offering those already in', async () => {
    let sent: unknown = null
    serve({
      'GET /api/users?q=d': () => ({ json: { users: [bob, dan] } }),
      'POST /api/chats/5/members': (body) => {
        sent = body
        team = [[me, 'owner'], [carol, 'admin'], [bob, 'member'], [dan, 'member']]
        return { json: { ...group(team), invitedUserIds: [] } }
      },
    })
    await open(teamWithMeAs('owner'))
    buttonNamed('Add members')?.click()
    await flushPromises()
    const input = document.activeElement as HTMLInputElement
    input.value = 'd'
    input.dispatchEvent(new Event('input'))
    await new Promise((resolve) => setTimeout(resolve, 300))
    await flushPromises()
    expect(has('Add Bob')).toBe(false)
    buttonNamed('Add Dan')?.click()
    await flushPromises()
    buttonNamed('Add 1 member')?.click()
    await flushPromises()
    expect(sent).toEqual({ userIds: [4] })
    expect(has('Remove Dan from the group')).toBe(true)
  })

  it('makes a member admin with the server answer applied at once', async () => {
    serve({
      'PATCH /api/chats/5/members/2': () => ({ json: group([[me, 'owner'], [carol, 'admin'], [bob, 'admin']]) }),
    })
    await open(teamWithMeAs('owner'))
    buttonNamed('Make Bob admin')?.click()
    await flushPromises()
    expect(has('Remove admin rights of Bob')).toBe(true)
  })

  it('removes a member after confirmation', async () => {
    const fetchMock = serve({ 'DELETE /api/chats/5/members/2': () => ({ status: 204 }) })
    await open(teamWithMeAs('owner'))
    buttonNamed('Remove Bob from the group')?.click()
    await flushPromises()
    expect(document.body.textContent).toContain('Remove Bob?')
    buttonNamed('Remove')?.click()
    await flushPromises()
    expect(writes(fetchMock)).toHaveLength(1)
    expect(useMembersStore().of(5).map((m) => m.user.id)).toEqual([1, 3])
    expect(useChatsStore().byId.get(5)?.memberCount).toBe(2)
    expect(has('Remove Bob from the group')).toBe(false)
  })

  it('leaves the group after confirming, then goes home and closes', async () => {
    const fetchMock = serve({ 'DELETE /api/chats/5/members/1': () => ({ status: 204 }) })
    const { panel, router } = await open(teamWithMeAs('member'))
    buttonNamed('Leave group')?.click()
    await flushPromises()
    expect(document.body.textContent).toContain('Leave Team?')
    // Two "Leave group" buttons now: the panel's and the confirmation's (the last one).
    const buttons = [...document.querySelectorAll('button')].filter((b) => b.textContent.trim() === 'Leave group')
    buttons[buttons.length - 1]?.click()
    await flushPromises()
    expect(writes(fetchMock)).toHaveLength(1)
    expect(useChatsStore().byId.has(5)).toBe(false)
    expect(router.currentRoute.value.name).toBe('home')
    expect(panel.emitted('close')).toHaveLength(1)
  })

  it("does nothing when leaving is cancelled", async () => {
    const fetchMock = serve({})
    const { panel } = await open(teamWithMeAs('member'))
    buttonNamed('Leave group')?.click()
    await flushPromises()
    buttonNamed('Cancel')?.click()
    await flushPromises()
    expect(writes(fetchMock)).toHaveLength(0)
    expect(panel.emitted('close')).toBeUndefined()
  })

  it("shows the person's profile for a private chat", async () => {
    const chat: Chat = { ...group([[me, 'member'], [bob, 'member']]), id: 6, type: 'private', name: null, peer: bob }
    await open(chat)
    expect(heading()).toBe('Profile')
    expect(document.body.textContent).toContain('Bob')
    expect(document.body.textContent).toContain('@bob')
    expect(document.body.textContent).toContain('online')
    expect(has('Leave group')).toBe(false)
  })
})
