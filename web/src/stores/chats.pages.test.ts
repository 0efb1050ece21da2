// The chat list a page at a time: pages taken in order, totals that count the chats not
// loaded yet, and events about those chats bringing the list back in step.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat, ChatList, Message } from '@/api/types'
import { fakeServer, group, meUser, person } from '@/features/chats/testing'
import { useAuthStore } from './auth'
import { useChatsStore } from './chats'

const ME = 1

function chat(id: number, extra: Partial<Chat> = {}): Chat {
  return group([[person(ME, 'Amina'), 'member'], [person(2, 'Bo'), 'member']], { id, name: `g${id}`, ...extra })
}

function page(chats: Chat[], nextCursor: string | null, unreadTotal: number, archivedCount = 0): ChatList {
  return { chats, nextCursor, unreadTotal, archivedCount }
}

const message = (chatId: number, seq: number, senderId = 2): Message => ({
  id: 1000 + seq, chatId, seq, senderId, type: 'text', content: `m${seq}`, createdAt: '2026-02-01T10:00:00Z',
  attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
  meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
})

const FIRST = 'GET /api/chats?limit=50'
const SECOND = 'GET /api/chats?limit=50&cursor=c1'

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser(ME))
})
afterEach(() => { vi.unstubAllGlobals() })

describe('the chat list in pages', () => {
  it('loads the first page, then the next, until there is none', async () => {
    const fetchMock = fakeServer({
      [FIRST]: () => ({ json: page([chat(1), chat(2)], 'c1', 0) }),
      [SECOND]: () => ({ json: page([chat(3)], null, 0) }),
    })
    const chats = useChatsStore()
    await chats.refresh()
    expect([...chats.byId.keys()]).toEqual([1, 2])
    expect(chats.hasMore).toBe(true)
    await Promise.all([chats.loadMore(), chats.loadMore()]) // one request for both
    expect([...chats.byId.keys()]).toEqual([1, 2, 3])
    expect(chats.hasMore).toBe(false)
    await chats.loadMore()
    expect(fetchMock).toHaveBeenCalledTimes(2)
  })

  it('counts the unread and archived chats not loaded yet', async () => {
    fakeServer({
      // 7 unread in all, 2 of them on this page; 2 archived chats, 1 of them here.
      [FIRST]: () => ({ json: page([chat(1, { unreadCount: 2 }), chat(2, { settings: { ...chat(2).settings, archived: true } })], 'c1', 7, 2) }),
      // Asked after the message below: the server counts it too.
      [SECOND]: () => ({ json: page([chat(3, { unreadCount: 5, settings: { ...chat(3).settings, archived: true } })], null, 8, 2) }),
    })
    const chats = useChatsStore()
    await chats.refresh()
    expect([chats.totalUnread, chats.archivedCount]).toEqual([7, 2])
    chats.applyMessage(message(1, 1), false)
    expect(chats.totalUnread).toBe(8)
    await chats.loadMore()
    // The same chats, now loaded: the same totals.
    expect([chats.totalUnread, chats.archivedCount]).toEqual([8, 2])
    expect(chats.lists.archived.map((c) => c.id)).toEqual([3, 2])
  })

  it('brings a chat further down to the top when a message arrives in it', async () => {
    let unreadTotal = 3
    const fetchMock = fakeServer({
      [FIRST]: () => ({ json: unreadTotal === 3 ? page([chat(1)], 'c1', 3) : page([chat(9, { unreadCount: 4, lastSeq: 4 }), chat(1)], 'c1', 4) }),
    })
    const chats = useChatsStore()
    await chats.refresh()
    expect(chats.totalUnread).toBe(3)
    unreadTotal = 4
    chats.applyMessage(message(9, 4), false)
    chats.applyMessage(message(9, 5), false) // a burst: one request running, one more after
    await flushPromises()
    await vi.waitFor(() => { expect(chats.byId.get(9)?.unreadCount).toBe(4) })
    expect(chats.totalUnread).toBe(4)
    expect(chats.sorted.map((c) => c.id)).toContain(9)
    expect(fetchMock.mock.calls.length).toBeLessThanOrEqual(3)
  })

  it('keeps the open chat that is not on the first page, fetched alone', async () => {
    fakeServer({
      [FIRST]: () => ({ json: page([chat(1)], 'c1', 0) }),
      'GET /api/chats/7': () => ({ json: chat(7) }),
    })
    const chats = useChatsStore()
    chats.upsert(chat(7))
    chats.upsert(chat(8))
    chats.activeId = 7
    await chats.refresh()
    expect([...chats.byId.keys()].sort()).toEqual([1, 7])
  })

  it('fetches a chat opened by its address when the list has not reached it', async () => {
    fakeServer({
      [FIRST]: () => ({ json: page([chat(1)], 'c1', 3) }),
      'GET /api/chats/7': () => ({ json: chat(7, { unreadCount: 3 }) }),
    })
    const chats = useChatsStore()
    await chats.refresh()
    chats.activeId = 7
    await vi.waitFor(() => { expect(chats.byId.has(7)).toBe(true) })
    // Its unread were counted among the chats not loaded: not twice now.
    expect(chats.totalUnread).toBe(3)
  })

  it('keeps the read state without members: own position and the others\' furthest', () => {
    const chats = useChatsStore()
    chats.upsert(chat(1, { lastSeq: 2, unreadCount: 2 }))
    chats.applyRead({ chatId: 1, userId: 2, messageId: 1, seq: 1 })
    chats.applyMessage(message(1, 3, ME), true)
    const c = chats.byId.get(1)
    expect([c?.lastReadSeq, c?.othersReadSeq, c?.unreadCount]).toEqual([3, 1, 0])
    expect(chats.readByOthers(1)).toBe(1)
  })
})
