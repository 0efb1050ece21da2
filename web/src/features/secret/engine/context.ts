// What every engine module works with, and the chat's stored group state.
import type { CiphersuiteImpl, ClientState } from 'ts-mls'
import { utf8 } from './bytes'
import type { Devices, DeviceInfo } from './device'
import type { Directory } from './directory'
import type { DeliveryService } from './ds'
import { clientConfig, decodeState, encodeState } from './mls'
import type { SecretStore, Write } from './store'
import type { Sealed, Vault } from './vault'

export interface Context {
  ds: DeliveryService
  store: SecretStore
  vault: Vault
  cs: CiphersuiteImpl
  dir: Directory
  devices: Devices
  device: DeviceInfo
  /** Ask for a reconcile of this chat later (a device that is not first to act waits). */
  later(chatId: number): void
}

/** A chat's group as this device has it. */
export interface Local {
  state: ClientState
  /** The first epoch this device has keys for: earlier messages are "before join". */
  joinedEpoch: number
}

type StoredGroup =
  | { joinedEpoch: number; state: Sealed; removed?: undefined }
  /** A commit removed this device: what it could not open yet it never will. */
  | { removed: true }

/** The MLS group id of a chat's group (the server never reads it). */
export function groupIdOf(chatId: number): Uint8Array {
  return utf8(`shomik:secret:${chatId}`)
}

export async function loadGroup(ctx: Context, chatId: number): Promise<Local | null> {
  const key = String(chatId)
  const stored = await ctx.store.get<StoredGroup>('groups', key)
  if (!stored || stored.removed) return null
  const bytes = await ctx.vault.open('groups', key, stored.state)
  return { state: decodeState(bytes, clientConfig(ctx.dir.authService(chatId))), joinedEpoch: stored.joinedEpoch }
}

/** The write that stores this state (to batch with others in one transaction). */
export async function groupWrite(ctx: Context, chatId: number, local: Local | null): Promise<Write> {
  const key = String(chatId)
  if (!local) return { table: 'groups', key, value: undefined }
  const value: StoredGroup = {
    joinedEpoch: local.joinedEpoch,
    state: await ctx.vault.seal('groups', key, encodeState(local.state)),
  }
  return { table: 'groups', key, value }
}

export async function wasRemoved(ctx: Context, chatId: number): Promise<boolean> {
  return (await ctx.store.get<StoredGroup>('groups', String(chatId)))?.removed === true
}

export async function markRemoved(ctx: Context, chatId: number): Promise<void> {
  await ctx.store.write([{ table: 'groups', key: String(chatId), value: { removed: true } satisfies StoredGroup }])
}

export async function saveGroup(ctx: Context, chatId: number, local: Local | null): Promise<void> {
  await ctx.store.write([await groupWrite(ctx, chatId, local)])
}
