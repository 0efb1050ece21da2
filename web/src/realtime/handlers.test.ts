import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Chat, Message, ServerEvent } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useOutboxStore } from '@/stores/outbox'
import { useUsersStore } from '@/stores/users'
import { createHandlers, type Handlers } from './handlers'

vi.mock('@/features/notifications/notify', () => ({ notifyMessage: vi.fn() }))
// The engine's entry points (each loads the lazy crypto chunk): recorded, not run.
vi.mock('@/features/secret', async (importOriginal) => ({
  ...(await importOriginal<typeof import('@/features/secret')>()),
  onE2eeEvent: vi.fn(),
  onSecretMembersChanged: vi.fn(),
  prepareSecretDevice: vi.fn(),
}))

const user = (id: number) => ({ id, username: `u${id}`, displayName: `U${id}`, avatarUrl: null, status: 'offline' as const, lastSeen: null, deactivated: false })
const chat = (): Chat => ({
  id: 1, type: 'private', name: null, avatarUrl: null, createdAt: '2026-01-01T00:00:00Z',
  memberCount: 2, secret: false, selfDestructSeconds: null, peer: user(2), role: 'member', lastReadSeq: 0, othersReadSeq: 0,
  lastSeq: 0, lastMessage: null, unreadCount: 0, pinnedMessages: [], unreadMentions: 0,
  firstUnreadMentionSeq: null, settings: { mutedUntil: null, archived: false, pinned: false, pinnedAt: null, markedUnread: false },
})
const message = (seq: number, senderId: number, clientId: string | null = null): Message =>
  ({
    id: 100 + seq, chatId: 1, seq, senderId, type: 'text', content: `m${seq}`, createdAt: '2026-01-01T10:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId,
    meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
  })

function dispatch(handlers: Handlers, event: ServerEvent): void {
  ;(handlers[event.type] as (e: ServerEvent) => void)(event)
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser({ id: 1, username: 'u1', displayName: 'U1', avatarUrl: null, status: 'online', lastSeen: null, deactivated: false, params: { theme: 'dark', messageTextSize: 16, language: null, pushPreview: true }, twoFactor: false, privacy: { lastSeen: 'chats', groupAdds: 'everybody' } })
  useChatsStore().upsert(chat())
})

describe('event handlers', () => {
  it('covers every event type of the protocol', () => {
    const handlers = createHandlers(() => false)
    expect(Object.keys(handlers).sort()).toEqual([
      'block:updated', 'call:accepted', 'call:declined', 'call:ended', 'call:incoming', 'call:participant_joined',
      'call:participant_left', 'call:signal', 'chat:invite_removed', 'chat:invited', 'chat:members', 'chat:new',
      'chat:removed', 'chat:settings', 'chat:updated', 'e2ee:commit', 'e2ee:device_added', 'e2ee:devices_revoked', 'e2ee:welcome', 'message:deleted', 'message:new', 'message:updated', 'pin:updated',
      'privacy:updated', 'reaction:updated', 'read:updated', 'typing:update', 'user:status', 'user:updated',
    ])
  })

  it('counts unread from others, not own messages, and clears on read', () => {
    const handlers = createHandlers(() => false)
    const chats = useChatsStore()
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
    dispatch(handlers, { type: 'message:new', seq: 2, data: message(2, 2) })
    expect(chats.byId.get(1)?.unreadCount).toBe(2)
    dispatch(handlers, { type: 'read:updated', seq: 3, data: { chatId: 1, userId: 1, messageId: 102, seq: 2 } })
    expect(chats.byId.get(1)?.unreadCount).toBe(0)
    dispatch(handlers, { type: 'message:new', seq: 4, data: message(3, 2) })
    expect(chats.byId.get(1)?.unreadCount).toBe(1)
    // Sending reads everything before one's own message (as the server counts it).
    dispatch(handlers, { type: 'message:new', seq: 5, data: message(4, 1) })
    expect(chats.byId.get(1)?.unreadCount).toBe(0)
    expect(chats.byId.get(1)?.lastMessage?.seq).toBe(4)
    dispatch(handlers, { type: 'read:updated', seq: 6, data: { chatId: 1, userId: 2, messageId: 103, seq: 3 } })
    expect(chats.readByOthers(1)).toBe(3)
  })

  it('does not count a message the user is looking at, nor one seen twice', () => {
    const handlers = createHandlers(() => true)
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
    expect(useChatsStore().byId.get(1)?.unreadCount).toBe(0)
  })

  it('settles the local echo when the own message arrives by event', () => {
    const handlers = createHandlers(() => true)
    const outbox = useOutboxStore()
    outbox.enqueue({ clientId: 'abc', chatId: 1, content: 'm1', replyTo: null, attachments: [] })
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 1, 'abc') })
    expect(outbox.items).toHaveLength(0)
  })

  it('tracks typing per chat and drops it when the typist sends', () => {
    const handlers = createHandlers(() => true)
    const users = useUsersStore()
    dispatch(handlers, { type: 'typing:update', data: { chatId: 1, userId: 2, isTyping: true } })
    expect(users.typingIn(1).map((u) => u.id)).toEqual([2])
    dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
    expect(users.typingIn(1)).toEqual([])
  })

  it('keeps pins in order and removes a chat the user left', () => {
    const handlers = createHandlers(() => true)
    const chats = useChatsStore()
    dispatch(handlers, { type: 'pin:updated', seq: 1, data: { chatId: 1, messageId: 105, pinned: true, by: 2, message: message(5, 2) } })
    dispatch(handlers, { type: 'pin:updated', seq: 2, data: { chatId: 1, messageId: 102, pinned: true, by: 2, message: message(2, 2) } })
    expect(chats.byId.get(1)?.pinnedMessages.map((m) => m.seq)).toEqual([2, 5])
    dispatch(handlers, { type: 'pin:updated', seq: 3, data: { chatId: 1, messageId: 105, pinned: false, by: 2, message: null } })
    expect(chats.byId.get(1)?.pinnedMessages.map((m) => m.seq)).toEqual([2])
    dispatch(handlers, { type: 'chat:removed', seq: 4, data: { chatId: 1, reason: 'removed', byUserId: 2, chatName: 'Team' } })
    expect(chats.byId.has(1)).toBe(false)
    expect(chats.removals.get(1)).toMatchObject({ reason: 'removed', byUserId: 2, chatName: 'Team' })
  })
})

describe('event handlers in a secret chat', () => {
  it('keeps a control message out of the chat list, the unread count and notifications, and decrypts it', async () => {
    const { notifyMessage } = await import('@/features/notifications/notify')
    const { useMessagesStore } = await import('@/stores/messages')
    const { setSecretDeps, restoreSecretDeps } = await import('@/features/secret/deps')
    const { fakeEngine } = await import('@/features/secret/testing')
    const engine = fakeEngine()
    setSecretDeps({ engine: () => Promise.resolve(engine) })
    try {
      vi.mocked(notifyMessage).mockClear()
      const chats = useChatsStore()
      chats.upsert({ ...chat(), secret: true })
      const t = useMessagesStore().timeline(1)
      t.ready = true
      const handlers = createHandlers(() => false)
      dispatch(handlers, { type: 'message:new', seq: 1, data: message(1, 2) })
      dispatch(handlers, { type: 'message:new', seq: 2, data: { ...message(2, 2), type: 'control' } })
      expect(chats.byId.get(1)).toMatchObject({ unreadCount: 1, lastMessage: { id: 101 } })
      expect(vi.mocked(notifyMessage).mock.calls.map(([m]) => m.id)).toEqual([101])
      // In the timeline (no gap in seq), and handed to the engine in seq order.
      expect(t.messages.map((m) => m.id)).toEqual([101, 102])
      await vi.waitFor(() => { expect(engine.decrypted).toEqual([101, 102]) })
    } finally {
      restoreSecretDeps()
    }
  })
})

describe('event handlers: secret chats\' devices', () => {
  it('hands e2ee:device_added to the engine and flags the identities; chat:members only of a secret chat', async () => {
    const secret = await import('@/features/secret')
    const { identitiesVersion } = await import('@/features/secret/ui/trustSignal')
    const handlers = createHandlers(() => false)
    const before = identitiesVersion(1)
    const added = { chatId: 1, userId: 2, deviceId: 'd2' }
    dispatch(handlers, { type: 'e2ee:device_added', seq: 1, data: added })
    expect(vi.mocked(secret.onE2eeEvent)).toHaveBeenCalledWith('e2ee:device_added', added)
    expect(identitiesVersion(1)).toBe(before + 1)
    // An ordinary chat's members changed: nothing for the engine.
    const members = { chatId: 1, memberCount: 2, members: [], removedUserIds: [3] }
    dispatch(handlers, { type: 'chat:members', seq: 2, data: members })
    expect(vi.mocked(secret.onSecretMembersChanged)).not.toHaveBeenCalled()
    useChatsStore().upsert({ ...chat(), secret: true })
    dispatch(handlers, { type: 'chat:members', seq: 3, data: members })
    expect(vi.mocked(secret.onSecretMembersChanged)).toHaveBeenCalledWith(1)
  })
})
