// Committing the directory's changes (docs/e2ee.md §4 "Commits", §5): live devices not in the
// group are added, devices in it that are no longer live are removed. One commit wins each
// epoch; the loser applies the winner's commit, reads the directory again and tries again.
import { createCommit, type Proposal } from 'ts-mls'
import { ApiError } from '@/api/http'
import { groupWrite, type Context, type Local } from './context'
import { isApiError, type GroupDevice, type SecretGroup } from './ds'
import { catchUp } from './groups'
import { decodeKeyPackage, epochOf, identityText, leaves, wire } from './mls'
import { dropPending, dropPendingWrite, holdPending } from './pending'

/** Conflicts after which the directory is read again and the commit made anew. */
const RETRYABLE = ['stale_epoch', 'cannot_add', 'cannot_remove']
const ATTEMPTS = 6

export interface Plan {
  add: GroupDevice[]
  remove: GroupDevice[]
}

/** What the directory says the group lacks or has too many of, as this state sees it. */
export function plan(ctx: Context, group: SecretGroup, local: Local): Plan {
  const inTree = leaves(local.state)
  return {
    add: group.devices.filter(
      (d) => d.live && !d.inGroup && d.deviceId !== ctx.device.deviceId && !inTree.has(d.identity),
    ),
    remove: group.devices.filter((d) => d.inGroup && !d.live && inTree.has(d.identity)),
  }
}

/** The live device in the group with the smallest id acts at once; the others wait a while
 *  and act only if nothing happened (fewer devices racing for the same change). */
export function actsFirst(ctx: Context, group: SecretGroup): boolean {
  const first = group.devices
    .filter((d) => d.live && d.inGroup)
    .map((d) => d.deviceId)
    .sort()[0]
  return first === undefined || first === ctx.device.deviceId
}

async function claims(ctx: Context, chatId: number, add: GroupDevice[]): Promise<{ device: GroupDevice; proposal: Proposal }[]> {
  const out: { device: GroupDevice; proposal: Proposal }[] = []
  for (const userId of new Set(add.map((d) => d.userId))) {
    const claimed = await ctx.ds.claimKeyPackages(userId, chatId)
    for (const item of claimed.keyPackages) {
      const device = add.find((d) => d.deviceId === item.deviceId && d.userId === userId)
      const keyPackage = decodeKeyPackage(item.keyPackage)
      // The commit says which device it adds: the key package must be that device's.
      if (!device || !keyPackage || identityText(keyPackage.leafNode.credential) !== device.identity) continue
      out.push({ device, proposal: { proposalType: 'add', add: { keyPackage } } })
    }
  }
  return out
}

/** The server answered and took nothing (a 4xx). Anything else (no answer, a 5xx, a failure
 *  here) leaves open whether it accepted the commit: its state stays pending (pending.ts). */
function refused(error: unknown): boolean {
  return error instanceof ApiError && error.status >= 400 && error.status < 500
}

export interface CommitOptions {
  /** Commit even with nothing to change (the founding commit at epoch 0). */
  founding?: boolean
  /** Act now even if another device is first in line (before sending: removals first). */
  force?: boolean
}

/** Commit the directory's changes until one commit of ours is accepted or nothing is left.
 *  Returns the group as it is after that (null if this device is no longer in it, or lost
 *  the founding race: then the winner's Welcome brings it in). */
export async function reconcile(
  ctx: Context,
  chatId: number,
  start: Local,
  startGroup: SecretGroup,
  options: CommitOptions = {},
): Promise<Local | null> {
  let local = start
  let group = startGroup
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const todo = plan(ctx, group, local)
    if (!options.founding && todo.add.length === 0 && todo.remove.length === 0) return local
    if (!options.founding && !options.force && !actsFirst(ctx, group)) {
      ctx.later(chatId)
      return local
    }
    const adds = await claims(ctx, chatId, todo.add)
    const tree = leaves(local.state)
    const removes = todo.remove.flatMap((d) => {
      const leaf = tree.get(d.identity)
      if (leaf === undefined) return []
      const proposal: Proposal = { proposalType: 'remove', remove: { removed: leaf } }
      return [{ device: d, proposal }]
    })
    if (!options.founding && adds.length === 0 && removes.length === 0) return local
    const result = await createCommit(
      { state: local.state, cipherSuite: ctx.cs },
      { ratchetTreeExtension: true, extraProposals: [...adds, ...removes].map((c) => c.proposal) },
    )
    const next: Local = { ...local, state: result.newState }
    const commit = wire(result.commit)
    await holdPending(ctx, chatId, epochOf(local.state), commit, next)
    try {
      await ctx.ds.postCommit(chatId, {
        epoch: epochOf(local.state),
        commit,
        welcome: result.welcome && adds.length > 0
          ? wire({ version: 'mls10', wireformat: 'mls_welcome', welcome: result.welcome })
          : null,
        addedDeviceIds: adds.map((a) => a.device.deviceId),
        removedDeviceIds: removes.map((r) => r.device.deviceId),
      })
    } catch (error) {
      if (!refused(error)) throw error
      await dropPending(ctx, chatId)
      if (!RETRYABLE.some((code) => isApiError(error, code))) throw error
      // Another device founded the group first: its Welcome (if it added us) brings us in.
      if (options.founding) return null
      const caughtUp = await catchUp(ctx, chatId, local)
      if (!caughtUp) return null
      local = caughtUp
      group = await ctx.dir.fresh(chatId)
      continue
    }
    await ctx.store.write([await groupWrite(ctx, chatId, next), dropPendingWrite(chatId)])
    return next
  }
  throw new Error(`secret chat ${chatId}: could not commit after ${ATTEMPTS} attempts`)
}
