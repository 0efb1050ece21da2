// The sending tab hears of its own message twice (the ack and `message:new`): the stores
// change once; and no `message:read` is needed for it afterwards.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message, ServerEvent } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useMessagesStore } from '@/stores/messages'
import { useUsersStore } from '@/stores/users'
import { group, meUser, person } from '@/features/chats/testing'
import { readTarget } from '@/features/messages/reading'
import { applyOwnAck, createHandlers, type Handlers } from './handlers'

vi.mock('@/features/notifications/notify', () => ({ notifyMessage: vi.fn() }))

const ME = 1
const message = (seq: number, senderId: number): Message => ({
  id: 100 + seq, chatId: 5, seq, senderId, type: 'text', content: `m${seq}`, createdAt: '2026-01-01T10:00:00Z',
  attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: `c${seq}`,
  meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
})

function dispatch(handlers: Handlers, event: ServerEvent): void {
  ;(handlers[event.type] as (e: ServerEvent) => void)(event)
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser(ME))
  useChatsStore().upsert(group([[person(ME, 'Amina'), 'owner'], [person(2, 'Bo'), 'member']]))
  useUsersStore().upsert(person(2, 'Bo')) // known: no request for the sender's name
  // The chat is open: its timeline is loaded (empty).
  const t = useMessagesStore().timeline(5)
  t.ready = true
})

/** How often each store took the message in. */
function counting(): { chats: () => number; messages: () => number } {
  const chats = vi.spyOn(useChatsStore(), 'applyMessage')
  const messages = vi.spyOn(useMessagesStore(), 'receive')
  return { chats: () => chats.mock.calls.length, messages: () => messages.mock.calls.length }
}

describe('own messages are applied once', () => {
  it('the event first, then the ack: the ack changes nothing', () => {
    const handlers = createHandlers(() => true)
    const count = counting()
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, ME) })
    applyOwnAck(message(1, ME))
    expect([count.chats(), count.messages()]).toEqual([1, 1])
    expect(useMessagesStore().timeline(5).messages.map((m) => m.id)).toEqual([101])
  })

  it('the ack first, then the event: the event changes nothing', () => {
    const handlers = createHandlers(() => true)
    const count = counting()
    applyOwnAck(message(1, ME))
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, ME) })
    expect([count.chats(), count.messages()]).toEqual([1, 1])
    expect(useChatsStore().byId.get(5)?.lastMessage?.id).toBe(101)
  })

  it('still applies an ack whose message the timeline does not hold (a page loaded meanwhile)', () => {
    const count = counting()
    applyOwnAck(message(1, ME))
    applyOwnAck(message(2, ME))
    expect([count.chats(), count.messages()]).toEqual([2, 2])
  })

  it('moves the sender\'s own read position, so no message:read is sent for it', () => {
    const handlers = createHandlers(() => true)
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
    applyOwnAck(message(2, ME))
    const chat = useChatsStore().byId.get(5)
    expect(chat?.lastReadSeq).toBe(2)
    expect(chat?.unreadCount).toBe(0)
    const timeline = useMessagesStore().timeline(5).messages
    // What the timeline would send as `message:read`: nothing.
    expect(chat && readTarget(timeline, chat, ME)).toBeNull()
  })
})
