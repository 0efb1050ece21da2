import { describe, expect, it } from 'vitest'
import { canDemote, canEditGroup, canPromote, canRemove } from './permissions'

describe('group permissions (as the server rules them)', () => {
  it('lets admins and the owner edit the group, not members', () => {
    expect(canEditGroup('owner')).toBe(true)
    expect(canEditGroup('admin')).toBe(true)
    expect(canEditGroup('member')).toBe(false)
    expect(canEditGroup(null)).toBe(false)
  })

  it('lets admins remove members, only the owner remove admins, no one the owner', () => {
    expect(canRemove('admin', 'member')).toBe(true)
    expect(canRemove('admin', 'admin')).toBe(false)
    expect(canRemove('owner', 'admin')).toBe(true)
    expect(canRemove('owner', 'owner')).toBe(false)
    expect(canRemove('admin', 'owner')).toBe(false)
    expect(canRemove('member', 'member')).toBe(false)
  })

  it('lets admins promote members and only the owner demote admins', () => {
    expect(canPromote('admin', 'member')).toBe(true)
    expect(canPromote('member', 'member')).toBe(false)
    expect(canPromote('owner', 'admin')).toBe(false)
    expect(canDemote('owner', 'admin')).toBe(true)
    expect(canDemote('admin', 'admin')).toBe(false)
    expect(canDemote('owner', 'owner')).toBe(false)
  })
})
