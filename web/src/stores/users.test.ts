import { beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { person } from '@/features/chats/testing'
import { useUsersStore } from './users'

beforeEach(() => { setActivePinia(createPinia()) })

describe('users store', () => {
  it('keeps the known presence when only the profile changes', () => {
    const users = useUsersStore()
    users.upsert(person(2, 'Bob', 'online'))
    users.applyProfile({ id: 2, username: 'bob', displayName: 'Robert', avatarUrl: null })
    expect(users.byId.get(2)).toMatchObject({ displayName: 'Robert', status: 'online' })
    users.applyProfile({ id: 9, username: 'new', displayName: 'New', avatarUrl: null })
    expect(users.byId.get(9)).toMatchObject({ status: null, lastSeen: null })
  })
})
