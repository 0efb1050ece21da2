import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { person } from '@/features/chats/testing'
import { useUsersStore } from './users'

beforeEach(() => { setActivePinia(createPinia()) })

describe('users store', () => {
  it('keeps the known presence when only the profile changes', () => {
    const users = useUsersStore()
    users.upsert(person(2, 'Bob', 'online'))
    users.applyProfile({ id: 2, username: 'bob', displayName: 'Robert', avatarUrl: null, deactivated: false })
    expect(users.byId.get(2)).toMatchObject({ displayName: 'Robert', status: 'online' })
    users.applyProfile({ id: 9, username: 'new', displayName: 'New', avatarUrl: null, deactivated: false })
    expect(users.byId.get(9)).toMatchObject({ status: null, lastSeen: null })
  })

  it('shows an account deactivated live as offline with no last seen, and back', () => {
    const users = useUsersStore()
    users.upsert({ ...person(2, 'Bob', 'online'), lastSeen: '2026-11-27T01:00:00Z' })
    users.applyProfile({ id: 2, username: 'bob', displayName: 'Bob', avatarUrl: null, deactivated: true })
    expect(users.byId.get(2)).toMatchObject({ deactivated: true, status: 'offline', lastSeen: null })
    // Their sockets closing reports them offline a moment later: still deactivated.
    users.applyStatus({ userId: 2, status: 'offline', lastSeen: null })
    expect(users.byId.get(2)).toMatchObject({ deactivated: true, status: 'offline' })
    users.applyProfile({ id: 2, username: 'bob', displayName: 'Bob', avatarUrl: null, deactivated: false })
    expect(users.byId.get(2)).toMatchObject({ deactivated: false, status: 'offline' })
  })
})
