import { describe, expect, it } from 'vitest'
import type { Chat, Message } from '@/api/types'
import { group, person } from '@/features/chats/testing'
import { canDeleteAllForEveryone, canDeleteForEveryone, canEdit, lastEditable } from './permissions'

const ME = 1
const SENT = '2026-01-01T10:00:00Z'
const HOUR = 3600_000
const msg = (id: number, extra: Partial<Message> = {}): Message => ({
  id, chatId: 5, seq: id, senderId: ME, type: 'text', content: `m${id}`, createdAt: SENT,
  attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
  meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null, ...extra,
})
const teamAs = (role: 'owner' | 'admin' | 'member'): Chat =>
  group([[person(ME, 'Me'), role], [person(2, 'Bob'), role === 'owner' ? 'member' : 'owner']])
const privateChat: Chat = { ...teamAs('member'), type: 'private', name: null }

describe('message permissions (as the server rules them)', () => {
  const now = Date.parse(SENT) + HOUR

  it('edits only own, stored, non-system messages within the window', () => {
    expect(canEdit(msg(1), ME, 48 * 3600, now)).toBe(true)
    expect(canEdit(msg(1, { type: 'image', content: '' }), ME, 48 * 3600, now)).toBe(true)
    expect(canEdit(msg(1, { senderId: 2 }), ME, 48 * 3600, now)).toBe(false)
    expect(canEdit(msg(1, { type: 'system', senderId: null }), ME, 48 * 3600, now)).toBe(false)
    expect(canEdit(msg(0), ME, 48 * 3600, now)).toBe(false)
    // Past the window (here one minute), and before any config: the server decides.
    expect(canEdit(msg(1), ME, 60, now)).toBe(false)
    expect(canEdit(msg(1), ME, null, now)).toBe(true)
  })

  it('deletes for everyone: own anywhere, others in a private chat, anyone for group admins', () => {
    const bobs = msg(2, { senderId: 2 })
    expect(canDeleteForEveryone(msg(1), teamAs('member'), ME)).toBe(true)
    expect(canDeleteForEveryone(bobs, teamAs('member'), ME)).toBe(false)
    expect(canDeleteForEveryone(bobs, teamAs('admin'), ME)).toBe(true)
    expect(canDeleteForEveryone(bobs, teamAs('owner'), ME)).toBe(true)
    expect(canDeleteForEveryone(bobs, privateChat, ME)).toBe(true)
    expect(canDeleteForEveryone(msg(3, { type: 'system', senderId: null }), teamAs('owner'), ME)).toBe(false)
  })

  it('offers "for everyone" for a selection only when every message allows it', () => {
    const mixed = [msg(1), msg(2, { senderId: 2 })]
    expect(canDeleteAllForEveryone(mixed, teamAs('member'), ME)).toBe(false)
    expect(canDeleteAllForEveryone(mixed, teamAs('admin'), ME)).toBe(true)
    expect(canDeleteAllForEveryone([], teamAs('admin'), ME)).toBe(false)
  })

  it('finds the newest own editable message for Arrow Up', () => {
    const list = [msg(1), msg(2), msg(3, { senderId: 2 }), msg(4, { type: 'system', senderId: null })]
    expect(lastEditable(list, ME, 48 * 3600, now)?.id).toBe(2)
    expect(lastEditable(list, ME, 60, now)).toBeNull()
    expect(lastEditable([], ME, null, now)).toBeNull()
  })
})
