// Getting this device into a chat's group and keeping it current (docs/e2ee.md §4): joining
// from a Welcome, founding at epoch 0, and applying the commits it has not seen.
import {
  acceptAll,
  createGroup,
  emptyPskIndex,
  joinGroup,
  makePskIndex,
  processMessage,
  type ClientState,
  type MlsPrivateMessage,
  type MlsPublicMessage,
  type MLSMessage,
  type Welcome,
} from 'ts-mls'
import { equalBytes, hex } from './bytes'
import { groupIdOf, groupWrite, loadGroup, markRemoved, saveGroup, type Context, type Local } from './context'
import type { CommitEvent, SecretGroup, WelcomeEvent } from './ds'
import { clientConfig, decodeMessage, epochOf, keyPackageRef } from './mls'
import { adoptPending, dropPending, dropPendingWrite, pendingEpoch } from './pending'
import type { Write } from './store'

/** Join with a Welcome naming one of this device's key packages. */
export async function join(ctx: Context, chatId: number, event: WelcomeEvent): Promise<Local | null> {
  const message = decodeMessage(event.welcome)
  if (message?.wireformat !== 'mls_welcome') return null
  const welcome: Welcome = message.welcome
  for (const secret of welcome.secrets) {
    const ref = hex(secret.newMember)
    const own = await ctx.devices.keyPackage(ref, ctx.device.handle)
    if (!own) continue
    const state = await joinGroup(
      welcome, own.publicPackage, own.privatePackage, emptyPskIndex, ctx.cs,
      undefined, undefined, clientConfig(ctx.dir.authService(chatId)),
    )
    // The server must not slip this device into another chat's group.
    if (!equalBytes(state.groupContext.groupId, groupIdOf(chatId))) throw new Error('Welcome for another group')
    const local: Local = { state, joinedEpoch: epochOf(state) }
    await saveGroup(ctx, chatId, local)
    await ctx.devices.dropKeyPackage(ref)
    // The Welcome used one of this device's key packages: publish more if they run low.
    ctx.devices.topUp(ctx.device).catch((error: unknown) => { console.warn('secret chats: key package top-up failed', error) })
    return local
  }
  return null
}

/** Apply the accepted commits since this device's epoch; null if one removed this device. */
export async function catchUp(
  ctx: Context,
  chatId: number,
  local: Local,
  /** The commits to apply when known (an e2ee:commit event for this epoch), else fetched. */
  known?: CommitEvent[],
): Promise<Local | null> {
  const commits = known ?? (await ctx.ds.commits(chatId, epochOf(local.state)))
  let state: ClientState = local.state
  let changed = false
  for (const commit of commits) {
    if (commit.epoch < epochOf(state)) continue
    if (commit.epoch > epochOf(state)) break // a gap: the rest cannot apply yet
    if (commit.deviceId === ctx.device.deviceId) {
      // Our own commit, accepted, whose new state was not saved (the tab closed, or the
      // answer was lost): MLS cannot process its own commit, but the state it made was kept.
      const adopted = await adoptPending(ctx, chatId, commit)
      if (!adopted) throw new Error(`secret chat ${chatId}: own commit of epoch ${commit.epoch} was lost`)
      state = adopted.state
      changed = true
      continue
    }
    const message = decodeMessage(commit.commit)
    if (!isHandshake(message)) throw new Error(`secret chat ${chatId}: commit of epoch ${commit.epoch} does not decode`)
    const result = await processMessage(message, state, makePskIndex(state, {}), acceptAll, ctx.cs)
    if (result.kind !== 'newState') throw new Error(`secret chat ${chatId}: epoch ${commit.epoch} holds no commit`)
    state = result.newState
    changed = true
    if (state.groupActiveState.kind === 'removedFromGroup') {
      await markRemoved(ctx, chatId)
      return null
    }
  }
  const next = { ...local, state }
  // A commit in flight for an epoch now behind us was either adopted above or refused.
  const held = await pendingEpoch(ctx, chatId)
  const writes: Write[] = changed ? [await groupWrite(ctx, chatId, next)] : []
  if (held !== null && held < epochOf(state)) writes.push(dropPendingWrite(chatId))
  await ctx.store.write(writes)
  return next
}

/** The group this device founded, if the server accepted its founding commit but the tab
 *  closed before the group was saved (nothing else holds it: the founder has no Welcome). */
async function foundedLost(ctx: Context, chatId: number): Promise<Local | null> {
  const held = await pendingEpoch(ctx, chatId)
  if (held === null) return null
  const accepted = (await ctx.ds.commits(chatId, held)).find((c) => c.epoch === held)
  const adopted = accepted ? await adoptPending(ctx, chatId, accepted) : null
  if (!adopted) {
    await dropPending(ctx, chatId)
    return null
  }
  await ctx.store.write([await groupWrite(ctx, chatId, adopted), dropPendingWrite(chatId)])
  return adopted
}

function isHandshake(message: MLSMessage | null): message is MLSMessage & (MlsPrivateMessage | MlsPublicMessage) {
  return message?.wireformat === 'mls_private_message' || message?.wireformat === 'mls_public_message'
}

/** A fresh group at epoch 0 with only this device (not stored until its commit is accepted). */
export async function newGroup(ctx: Context, chatId: number): Promise<Local> {
  const [own] = await ctx.devices.makeKeyPackages(ctx.device, 1)
  if (!own) throw new Error('no key package made')
  const state = await createGroup(
    groupIdOf(chatId), own.publicPackage, own.privatePackage, [], ctx.cs,
    clientConfig(ctx.dir.authService(chatId)),
  )
  // Never published: its private half lives on in the group state only.
  await ctx.devices.dropKeyPackage(await keyPackageRef(own.publicPackage, ctx.cs))
  return { state, joinedEpoch: 0 }
}

export function mine(ctx: Context, group: SecretGroup): SecretGroup['devices'][number] | undefined {
  return group.devices.find((d) => d.deviceId === ctx.device.deviceId)
}

/** This device's group: the stored one caught up, or a join from the Welcome that added it.
 *  Null when it is not in the group (yet), or the group has not been founded. */
export async function current(ctx: Context, chatId: number, group: SecretGroup): Promise<Local | null> {
  let local = await loadGroup(ctx, chatId)
  if (!local && mine(ctx, group)?.inGroup) {
    local = await foundedLost(ctx, chatId)
    const welcome = local ? null : await ctx.ds.welcome(chatId)
    if (welcome) local = await join(ctx, chatId, welcome)
  }
  if (!local) return null
  // The directory's epoch is the group's: nothing to catch up on at it (saves a request).
  return epochOf(local.state) === group.epoch ? local : await catchUp(ctx, chatId, local)
}
