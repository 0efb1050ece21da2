import { describe, expect, it } from 'vitest'
import type { UserPublic } from '@/api/types'
import { insertMention, mentionCandidates, mentionedNames, mentionsMe, typedMention } from './mentions'

function user(id: number, username: string, displayName: string): UserPublic {
  return { id, username, displayName, avatarUrl: null, lastSeen: null, status: 'offline', deactivated: false }
}
const alice = user(1, 'alice', 'Alice Smith')
const bob = user(2, 'bob_b', 'Bob Builder')
const boris = user(3, 'boris', 'Борис Петров')
const anna = user(4, 'zz_anna', 'Anna Bobrova')

describe('mentionsMe', () => {
  it('is true only for a mention of the reader by someone else', () => {
    expect(mentionsMe({ mentions: [2, 3], senderId: 1 }, 2)).toBe(true)
    expect(mentionsMe({ mentions: [3], senderId: 1 }, 2)).toBe(false)
    expect(mentionsMe({ mentions: [2], senderId: 2 }, 2)).toBe(false)
    expect(mentionsMe({ mentions: [2], senderId: 1 }, null)).toBe(false)
  })
})

describe('mentionedNames', () => {
  it('maps the known mentioned users by lower-case username', () => {
    const byId = new Map([[1, alice], [2, bob]])
    expect(mentionedNames([2, 1, 9], 1, (id) => byId.get(id))).toEqual(new Map([['bob_b', false], ['alice', true]]))
  })
})

describe('typedMention', () => {
  it('finds the @word before the caret', () => {
    expect(typedMention('hi @bo', 6)).toEqual({ start: 3, query: 'bo' })
    expect(typedMention('@', 1)).toEqual({ start: 0, query: '' })
    expect(typedMention('(@al', 4)).toEqual({ start: 1, query: 'al' })
  })
  it('ignores e-mail addresses, finished words and text after the caret', () => {
    expect(typedMention('mail x@bo', 9)).toBeNull()
    expect(typedMention('hi @bob ', 8)).toBeNull()
    expect(typedMention('hi @bob', 2)).toBeNull()
  })
})

describe('mentionCandidates', () => {
  const members = [alice, bob, boris, anna]
  it('offers everyone but the writer for a bare @', () => {
    expect(mentionCandidates(members, '', 1).map((u) => u.id)).toEqual([4, 2, 3])
  })
  it('matches usernames first, then names and their words, case-insensitively', () => {
    expect(mentionCandidates(members, 'bo', null).map((u) => u.username)).toEqual(['bob_b', 'boris', 'zz_anna'])
    expect(mentionCandidates(members, 'SMI', null).map((u) => u.username)).toEqual(['alice'])
    expect(mentionCandidates(members, 'пет', null).map((u) => u.username)).toEqual(['boris'])
    expect(mentionCandidates(members, 'бор', null).map((u) => u.username)).toEqual(['boris'])
    expect(mentionCandidates(members, 'xyz', null)).toEqual([])
  })
  it('caps the list', () => {
    expect(mentionCandidates(members, '', null, 2)).toHaveLength(2)
  })
})

describe('insertMention', () => {
  it('replaces the typed @query with the username and a space', () => {
    expect(insertMention('hi @bo', 3, 6, 'bob_b')).toEqual({ text: 'hi @bob_b ', caret: 10 })
    expect(insertMention('@al and more', 0, 3, 'alice')).toEqual({ text: '@alice and more', caret: 7 })
  })
})
