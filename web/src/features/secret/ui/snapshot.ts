// What this device last saw of a secret chat's devices, to notice a member's devices
// changing (added, removed, a new key): the warning a malicious server adding a device of
// its own cannot avoid (docs/e2ee.md §2). Pure functions; storage is trust.ts's.
import type { DeviceIdentity } from '../index'

/** Per member (user id as a string: JSON keys), their devices as sorted "deviceId:key". */
export type Snapshot = Record<string, string[]>

export function snapshotOf(identities: readonly DeviceIdentity[]): Snapshot {
  const out: Snapshot = {}
  for (const d of identities) (out[String(d.userId)] ??= []).push(`${d.deviceId}:${d.signatureKey}`)
  for (const list of Object.values(out)) list.sort()
  return out
}

function same(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}

/** Members whose devices differ between two snapshots. A member seen for the first time
 *  joined the chat: not a key change (the chat says so in its own system message). No
 *  earlier snapshot: nothing to compare, nothing changed. */
export function changedMembers(before: Snapshot | null, after: Snapshot): number[] {
  if (!before) return []
  const changed: number[] = []
  for (const [user, devices] of Object.entries(after)) {
    const old = before[user]
    if (old && !same(old, devices)) changed.push(Number(user))
  }
  return changed.sort((a, b) => a - b)
}

/** The snapshot to keep: the new one, plus members now without any live device (signed out
 *  everywhere, or left): their last devices stay, so that coming back with other keys is
 *  noticed instead of passing for a newcomer. */
export function mergeSnapshot(before: Snapshot | null, after: Snapshot): Snapshot {
  return { ...(before ?? {}), ...after }
}
