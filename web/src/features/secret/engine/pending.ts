// A commit of this device in flight (docs/e2ee.md §11). MLS cannot process its own commit, so
// a device whose commit the server accepted must keep the state that commit made, or it is
// stuck at the old epoch for good. That state is stored (sealed, like the group state) before
// the commit is posted; if the tab closes, or the answer is lost, before the new state is
// saved, the next catch-up adopts it when the server's commit for that epoch is byte for
// byte this one. A commit the server refused is dropped.
import { equalBytes, unb64 } from './bytes'
import type { Context, Local } from './context'
import type { CommitEvent } from './ds'
import { clientConfig, decodeState, encodeState } from './mls'
import type { Write } from './store'
import type { Sealed } from './vault'

interface StoredPending {
  /** The epoch the commit was made in (the group's epoch before it). */
  epoch: number
  /** The commit as posted (base64 MLSMessage). */
  commit: string
  joinedEpoch: number
  state: Sealed
}

/** Beside the chat's group state, in the same table (one transaction saves both). */
function pendingKey(chatId: number): string {
  return `${chatId}:pending`
}

/** Keep the state `commit` leads to, before posting it. */
export async function holdPending(ctx: Context, chatId: number, epoch: number, commit: string, next: Local): Promise<void> {
  const key = pendingKey(chatId)
  const value: StoredPending = {
    epoch,
    commit,
    joinedEpoch: next.joinedEpoch,
    state: await ctx.vault.seal('groups', key, encodeState(next.state)),
  }
  await ctx.store.write([{ table: 'groups', key, value }])
}

/** The write that forgets the commit in flight (batched with the state it is done with). */
export function dropPendingWrite(chatId: number): Write {
  return { table: 'groups', key: pendingKey(chatId), value: undefined }
}

export async function dropPending(ctx: Context, chatId: number): Promise<void> {
  await ctx.store.write([dropPendingWrite(chatId)])
}

/** The epoch of the commit in flight, if any. */
export async function pendingEpoch(ctx: Context, chatId: number): Promise<number | null> {
  return (await ctx.store.get<StoredPending>('groups', pendingKey(chatId)))?.epoch ?? null
}

/** The state our commit in flight made, if the server accepted exactly that commit (this
 *  device's, for its epoch, the same bytes); null otherwise. */
export async function adoptPending(ctx: Context, chatId: number, accepted: CommitEvent): Promise<Local | null> {
  const key = pendingKey(chatId)
  const held = await ctx.store.get<StoredPending>('groups', key)
  if (!held || held.epoch !== accepted.epoch || accepted.deviceId !== ctx.device.deviceId) return null
  if (!equalBytes(unb64(held.commit), unb64(accepted.commit))) return null
  const bytes = await ctx.vault.open('groups', key, held.state)
  return { state: decodeState(bytes, clientConfig(ctx.dir.authService(chatId))), joinedEpoch: held.joinedEpoch }
}
