// The server's group rules (src/shomik/chats/membership.py), mirrored so the UI offers only
// what will be allowed: admins (the owner included) rename, change the photo, add members,
// promote members and remove members; only the owner removes or demotes another admin; no
// one removes or demotes the owner; anyone may leave. The server still decides.
import type { Member } from '@/api/types'

export type Role = Member['role']

export function isAdmin(role: Role | null): boolean {
  return role === 'owner' || role === 'admin'
}

/** Rename, change the photo, add members. */
export function canEditGroup(myRole: Role | null): boolean {
  return isAdmin(myRole)
}

/** Remove `target` (someone else; leaving is a separate action open to all). */
export function canRemove(myRole: Role | null, target: Role): boolean {
  if (!isAdmin(myRole) || target === 'owner') return false
  return target === 'member' || myRole === 'owner'
}

/** Make a member an admin: every admin may. */
export function canPromote(myRole: Role | null, target: Role): boolean {
  return isAdmin(myRole) && target === 'member'
}

/** Take admin rights away from another admin: the owner only. */
export function canDemote(myRole: Role | null, target: Role): boolean {
  return myRole === 'owner' && target === 'admin'
}
