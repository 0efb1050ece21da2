import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useUsersStore } from '@/stores/users'
import { MUTED_FOREVER, muteUntil } from '@/stores/chatOrder'
import { group, meUser, person } from '@/features/chats/testing'
import { notifyMessage, shouldNotify } from './notify'
import { useToastsStore } from './toasts'

const ME = 1
const message = (mentions: number[] = []): Message => ({
  id: 101, chatId: 5, seq: 1, senderId: 2, type: 'text', content: 'hello', createdAt: '2026-01-01T10:00:00Z',
  attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
  meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions, linkPreview: null, expiresAt: null,
})

function withChat(mutedUntil: string | null): void {
  const chat = group([[person(ME, 'Amina'), 'owner'], [person(2, 'Bo'), 'member']])
  useChatsStore().upsert({ ...chat, settings: { ...chat.settings, mutedUntil } })
  useUsersStore().upsert(person(2, 'Bo')) // the sender, known by name
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser(ME))
})

describe('notifications in muted chats', () => {
  it('toasts a message in a chat that is not muted', () => {
    withChat(null)
    notifyMessage(message(), false)
    expect(useToastsStore().toasts).toHaveLength(1)
  })

  it('stays silent for a muted chat (no toast), for an hour as forever', () => {
    for (const until of [muteUntil('1h'), MUTED_FOREVER]) {
      setActivePinia(createPinia())
      useAuthStore().setUser(meUser(ME))
      withChat(until)
      notifyMessage(message(), false)
      expect(useToastsStore().toasts).toHaveLength(0)
    }
  })

  it('still toasts a mention of the user in a muted chat, not a mention of someone else', () => {
    withChat(MUTED_FOREVER)
    notifyMessage(message([3]), false)
    expect(useToastsStore().toasts).toHaveLength(0)
    notifyMessage(message([ME]), false)
    expect(useToastsStore().toasts).toHaveLength(1)
  })

  it('treats a mute that ran out as no mute', () => {
    const chat = group([[person(ME, 'Amina'), 'owner']])
    const past = { ...chat, settings: { ...chat.settings, mutedUntil: '2020-01-01T00:00:00Z' } }
    expect(shouldNotify(message(), past, ME)).toBe(true)
    expect(shouldNotify(message(), { settings: { ...chat.settings, mutedUntil: MUTED_FOREVER } }, ME)).toBe(false)
  })
})
