// Members on demand: a page when something needs them, kept current by `chat:members` and
// read events; names of people not loaded asked for in one request.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeServer, group, memberPage, meUser, person } from '@/features/chats/testing'
import { useAuthStore } from './auth'
import { useChatsStore } from './chats'
import { useMembersStore } from './members'
import { useUsersStore } from './users'

const amina = person(1, 'Amina')
const bo = person(2, 'Bo')
const cy = person(3, 'Cy')
const dee = person(4, 'Dee')

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser(1))
})
afterEach(() => { vi.unstubAllGlobals() })

describe('the members store', () => {
  it('loads the first page once, then the next on asking, in the server\'s order', async () => {
    const fetchMock = fakeServer({
      'GET /api/chats/5/members?limit=100': () => ({ json: { ...memberPage([[cy, 'owner'], [bo, 'member']]), nextCursor: '2.2' } }),
      'GET /api/chats/5/members?limit=100&after=2.2': () => ({ json: memberPage([[dee, 'member']]) }),
    })
    const members = useMembersStore()
    await Promise.all([members.load(5), members.load(5)])
    expect(members.of(5).map((m) => m.user.id)).toEqual([3, 2])
    expect([members.complete(5), members.hasMore(5)]).toEqual([false, true])
    await members.load(5, true)
    expect(members.of(5).map((m) => m.user.id)).toEqual([3, 2, 4])
    expect(members.complete(5)).toBe(true)
    await members.load(5, true)
    expect(fetchMock).toHaveBeenCalledTimes(2)
    // The people are known by name from then on.
    expect(useUsersStore().byId.get(4)?.displayName).toBe('Dee')
  })

  it('follows chat:members and read positions, and the chat its count and my role', async () => {
    fakeServer({ 'GET /api/chats/5/members?limit=100': () => ({ json: memberPage([[amina, 'member'], [bo, 'owner']]) }) })
    const chats = useChatsStore()
    const members = useMembersStore()
    chats.upsert(group([[amina, 'member'], [bo, 'owner']]))
    await members.load(5)
    chats.applyMembers({
      chatId: 5, memberCount: 2,
      members: [{ user: amina, role: 'admin', lastReadSeq: 0 }, { user: cy, role: 'member', lastReadSeq: 4 }],
      removedUserIds: [2],
    })
    expect(members.of(5).map((m) => [m.user.id, m.role])).toEqual([[1, 'admin'], [3, 'member']])
    expect([chats.byId.get(5)?.memberCount, chats.byId.get(5)?.role]).toEqual([2, 'admin'])
    chats.applyRead({ chatId: 5, userId: 3, messageId: 9, seq: 6 })
    expect(members.of(5).find((m) => m.user.id === 3)?.lastReadSeq).toBe(6)
    // A chat whose members were never loaded keeps none: nothing to go stale.
    members.apply({ chatId: 8, memberCount: 3, members: [{ user: cy, role: 'member', lastReadSeq: 0 }], removedUserIds: [] })
    expect(members.of(8)).toEqual([])
  })

  it('finds members of a big group by name on the server, beside the loaded ones', async () => {
    fakeServer({
      'GET /api/chats/5/members?limit=100': () => ({ json: { ...memberPage([[amina, 'owner']]), nextCursor: '0.1' } }),
      'GET /api/chats/5/members?limit=20&q=de': () => ({ json: memberPage([[dee, 'member']]) }),
    })
    const members = useMembersStore()
    await members.load(5)
    await members.search(5, 'de')
    expect(members.of(5).map((m) => m.user.id)).toEqual([1, 4])
  })

  it('asks for the names it lacks in one request, never for known ones or the user', async () => {
    const fetchMock = fakeServer({ 'GET /api/users/by-id?ids=3&ids=4&ids=9': () => ({ json: { users: [cy, dee] } }) })
    const users = useUsersStore()
    users.upsert(bo)
    void users.ensure([1, 2, 3])
    void users.ensure([3, 4, 9, null])
    await vi.waitFor(() => { expect(users.byId.get(4)?.displayName).toBe('Dee') })
    expect(fetchMock).toHaveBeenCalledTimes(1)
    void users.ensure([9]) // not found: not asked again
    await new Promise((resolve) => setTimeout(resolve, 5))
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })
})
