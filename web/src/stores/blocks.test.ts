import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { fakeServer, person } from '@/features/chats/testing'
import { useBlocksStore } from './blocks'
import { useUsersStore } from './users'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => { vi.unstubAllGlobals() })

describe('blocks store', () => {
  it('follows the server and the other devices', async () => {
    const bob = person(2, 'Bob')
    const carol = person(3, 'Carol')
    const fetchMock = fakeServer({
      'GET /api/users/blocked': () => ({ json: { users: [carol] } }),
      'POST /api/users/2/block': () => ({ status: 204 }),
      'DELETE /api/users/3/block': () => ({ status: 204 }),
    })
    const blocks = useBlocksStore()
    await blocks.refresh()
    expect(blocks.isBlocked(3)).toBe(true)
    useUsersStore().upsert(bob)
    await blocks.block(2)
    expect(blocks.list.map((u) => u.id)).toEqual([2, 3])
    blocks.apply({ userId: 2, blocked: true }) // the event of our own block: no duplicate
    expect(blocks.list.map((u) => u.id)).toEqual([2, 3])
    await blocks.unblock(3)
    expect(blocks.isBlocked(3)).toBe(false)
    blocks.apply({ userId: 2, blocked: false }) // unblocked on another device
    expect(blocks.list).toEqual([])
    expect(blocks.isBlocked(null)).toBe(false)
    expect(fetchMock.mock.calls.map(([url, init]) => `${init?.method ?? 'GET'} ${url as string}`)).toEqual([
      'GET /api/users/blocked', 'POST /api/users/2/block', 'DELETE /api/users/3/block',
    ])
  })
})
