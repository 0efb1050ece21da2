import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { setLanguage } from '@/i18n'
import { person } from '@/features/chats/testing'
import { useUsersStore } from '@/stores/users'
import { systemText as composed } from './systemText'

/** As shown: BidiText makes each isolate an element, so the page's text has no FSI/PDI. */
const systemText = (message: Message): string => composed(message).replace(/[\u2068\u2069]/g, '')

function note(content: string, meta: Record<string, unknown>): Message {
  return {
    id: 1, chatId: 5, seq: 1, senderId: 1, type: 'system', content, createdAt: '2026-11-24T09:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
    meta, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
  }
}

beforeEach(() => {
  setActivePinia(createPinia())
  const users = useUsersStore()
  users.upsert(person(1, 'Alice'))
  users.upsert(person(2, 'Bob'))
  users.upsert(person(3, 'Carol'))
})
afterEach(() => { setLanguage('en') })

describe('system messages in the interface language', () => {
  it('composes them again from meta, in Russian', () => {
    setLanguage('ru')
    expect(systemText(note('Alice created the group «Team»', { event: 'group_created', actorId: 1, userIds: [2] })))
      .toBe('Alice создал(а) группу «Team»')
    expect(systemText(note('Alice added Bob, Carol', { event: 'members_added', actorId: 1, userIds: [2, 3] })))
      .toBe('Alice добавил(а) Bob, Carol')
    expect(systemText(note('Alice made Bob an admin', { event: 'role_changed', actorId: 1, userIds: [2], role: 'admin' })))
      .toBe('Alice назначил(а) Bob администратором')
    expect(systemText(note('Bob left the group', { event: 'member_left', actorId: 2, userIds: [2] })))
      .toBe('Bob покинул(а) группу')
    expect(systemText(note('Alice pinned «Hello there»', { event: 'message_pinned', actorId: 1, messageId: 9 })))
      .toBe('Alice закрепил(а) «Hello there»')
    expect(systemText(note('Alice pinned a voice message', { event: 'message_pinned', actorId: 1, messageId: 9 })))
      .toBe('Alice закрепил(а) голосовое сообщение')
    expect(systemText(note('Alice pinned a video', { event: 'message_pinned', actorId: 1, messageId: 9 })))
      .toBe('Alice закрепил(а) видео')
    expect(systemText(note('Missed video call', { event: 'call', actorId: 1, call: { media: 'video', outcome: 'missed' } })))
      .toBe('Пропущенный видеозвонок')
    expect(systemText(note('Audio call, 1:05', { event: 'call', actorId: 1, call: { media: 'audio', outcome: 'answered', durationSeconds: 65 } })))
      .toBe('Аудиозвонок, 1:05')
    expect(systemText(note('Bob set messages to self-destruct after 5 minutes', { event: 'self_destruct', actorId: 2, seconds: 300 })))
      .toBe('Bob установил(а) таймер самоуничтожения сообщений: 5 минут')
    expect(systemText(note('Bob turned off self-destructing messages', { event: 'self_destruct', actorId: 2, seconds: null })))
      .toBe('Bob выключил(а) самоуничтожение сообщений')
  })

  it('says the same as the server in English', () => {
    expect(systemText(note('Alice renamed the group to «Crew»', { event: 'group_renamed', actorId: 1, name: 'Crew' })))
      .toBe('Alice renamed the group to «Crew»')
    expect(systemText(note('Audio call, 1:02:03', { event: 'call', actorId: 1, call: { media: 'audio', outcome: 'answered', durationSeconds: 3723 } })))
      .toBe('Audio call, 1:02:03')
    for (const [seconds, time] of [[5, '5 seconds'], [60, '1 minute'], [3600, '1 hour'], [86400, '1 day'], [604800, '1 week']] as const) {
      expect(systemText(note(`Alice set messages to self-destruct after ${time}`, { event: 'self_destruct', actorId: 1, seconds })))
        .toBe(`Alice set messages to self-destruct after ${time}`)
    }
    expect(systemText(note('Alice turned off self-destructing messages', { event: 'self_destruct', actorId: 1, seconds: null })))
      .toBe('Alice turned off self-destructing messages')
  })

  it('isolates names and quotes, so that none can reorder the sentence', () => {
    useUsersStore().upsert(person(4, 'Eve\u202E'))
    expect(composed(note('', { event: 'members_added', actorId: 4, userIds: [2, 3] })))
      .toBe('\u2068Eve\u202E\u2069 added \u2068Bob\u2069, \u2068Carol\u2069')
    expect(composed(note('Eve pinned «\u202Eolleh»', { event: 'message_pinned', actorId: 4 })))
      .toBe('\u2068Eve\u202E\u2069 pinned «\u2068\u202Eolleh\u2069»')
  })

  it("falls back to the server's text for what it does not know", () => {
    setLanguage('ru')
    expect(systemText(note('Dana joined', { event: 'something_new', actorId: 1 }))).toBe('Dana joined')
    expect(systemText(note('Zed removed Bob', { event: 'member_removed', actorId: 99, userIds: [2] }))).toBe('Zed removed Bob')
    expect(systemText(note('Plain note', {}))).toBe('Plain note')
  })
})
