import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeServer, group, person } from '@/features/chats/testing'
import { useChatsStore } from './chats'
import { useInvitesStore } from './invites'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => { vi.unstubAllGlobals() })

describe('invites store', () => {
  const invite = {
    chatId: 5, chatName: 'Team', chatAvatarUrl: null, createdAt: '2026-01-01T00:00:00Z',
    inviter: { id: 3, username: 'carol', displayName: 'Carol', avatarUrl: null, deactivated: false },
  }

  it('accepting puts the group in the chat list; declining or an event drops the invitation', async () => {
    fakeServer({
      'GET /api/invites': () => ({ json: { invites: [invite, { ...invite, chatId: 6 }] } }),
      'POST /api/invites/5/accept': () => ({ json: group([[person(3, 'Carol'), 'owner']]) }),
      'POST /api/invites/6/decline': () => ({ status: 204 }),
    })
    const invites = useInvitesStore()
    await invites.refresh()
    expect(invites.list.map((i) => i.chatId)).toEqual([5, 6])
    await invites.accept(5)
    expect(useChatsStore().byId.has(5)).toBe(true)
    await invites.decline(6)
    expect(invites.list).toEqual([])
    invites.add({ ...invite, chatId: 7 })
    invites.add({ ...invite, chatId: 7 })
    expect(invites.list.map((i) => i.chatId)).toEqual([7])
    invites.remove(7)
    expect(invites.list).toEqual([])
  })
})
