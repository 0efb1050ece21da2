// The secret chats' engine (the SecretEngine of ../index.ts): this device's MLS client over
// the server's Delivery Service. Every operation on a chat's group runs in that chat's queue.
import { SecretEngineError, type DecryptResult, type DeviceIdentity, type E2eeEventName, type SecretEngine } from '../index'
import type { CommitEvent, DeliveryService, WelcomeEvent } from './ds'
import { Devices } from './device'
import { Directory } from './directory'
import { loadGroup, wasRemoved, type Context, type Local } from './context'
import { reconcile } from './commits'
import { catchUp, current, join, mine, newGroup } from './groups'
import { cacheKey, cached, encryptFor, failure, open, ownSent, privateMessageOf, pruneSent, remember } from './messages'
import { epochOf } from './mls'
import { KeyRing, loadSuite } from './provider'
import { KeyedQueue, withLock } from './queue'
import type { SecretStore } from './store'
import { Vault } from './vault'
import { ApiError } from '@/api/http'

export interface EngineOptions {
  ds: DeliveryService
  store: SecretStore
  /** How long a device that is not first in line waits before committing a change itself. */
  actDelayMs?: number
}

/** The events' data, as far as the engine reads it (validated: it comes off the socket). */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null
}

function isNetwork(error: unknown): boolean {
  return error instanceof ApiError && error.status === 0
}

export class Engine implements SecretEngine {
  private readonly queue = new KeyedQueue('shomik-secret:chat:')
  private readonly ring = new KeyRing()
  private readonly dir: Directory
  private ready: Promise<Context> | null = null
  private readonly timers = new Set<ReturnType<typeof setTimeout>>()

  constructor(private readonly options: EngineOptions) {
    this.dir = new Directory(options.ds)
  }

  private context(): Promise<Context> {
    this.ready ??= this.start().catch((error: unknown) => {
      this.ready = null
      throw error
    })
    return this.ready
  }

  private async start(): Promise<Context> {
    const { ds, store } = this.options
    const cs = await loadSuite(this.ring)
    // One tab at a time makes the storage key and the identity, and registers it.
    const { vault, devices, device } = await withLock('shomik-secret:device', async () => {
      const vault = await Vault.open(store)
      const devices = new Devices(store, vault, this.ring, cs, ds)
      return { vault, devices, device: await devices.ensure() }
    })
    const ctx: Context = { ds, store, vault, cs, dir: this.dir, devices, device, later: (chatId) => { this.later(chatId) } }
    pruneSent(ctx).catch((error: unknown) => { console.warn('secret chats: pruning sent messages failed', error) })
    return ctx
  }

  async ensureDevice(): Promise<{ deviceId: string }> {
    return { deviceId: (await this.context()).device.deviceId }
  }

  private inChat<T>(chatId: number, task: (ctx: Context) => Promise<T>): Promise<T> {
    return this.context().then((ctx) => this.queue.run(chatId, () => task(ctx)))
  }

  /** Found, join, catch up, commit the directory's changes: the group as it should be now. */
  private async sync(ctx: Context, chatId: number, force: boolean): Promise<Local | null> {
    let group = await ctx.dir.fresh(chatId)
    let local = await current(ctx, chatId, group)
    const unfounded = group.epoch === 0 && group.devices.every((d) => !d.inGroup)
    if (!local && unfounded && mine(ctx, group)?.live) {
      local = await reconcile(ctx, chatId, await newGroup(ctx, chatId), group, { founding: true })
      if (local) return local
      // Another device founded it first; if its commit added this device, join now.
      group = await ctx.dir.fresh(chatId)
      return await current(ctx, chatId, group)
    }
    if (!local) return null
    if (epochOf(local.state) !== group.epoch) group = await ctx.dir.fresh(chatId)
    return await reconcile(ctx, chatId, local, group, { force })
  }

  async openChat(chatId: number): Promise<void> {
    await this.inChat(chatId, (ctx) => this.sync(ctx, chatId, false))
  }

  encrypt(chatId: number, plaintext: Uint8Array): Promise<string> {
    return this.inChat(chatId, async (ctx) => {
      let local: Local | null
      try {
        // Removals (and additions) are committed before anything is sent (docs/e2ee.md §5).
        local = await this.sync(ctx, chatId, true)
      } catch (error) {
        // Offline: send with the group as it is here; the server orders it after any commit.
        if (!isNetwork(error)) throw error
        local = await loadGroup(ctx, chatId)
      }
      if (!local) throw new SecretEngineError('not_in_group', `secret chat ${chatId}: this device is not in its group yet`)
      return await encryptFor(ctx, chatId, local, plaintext)
    })
  }

  decrypt(chatId: number, messageId: number, content: string, version?: string): Promise<DecryptResult> {
    const v = version ?? null
    return this.inChat(chatId, async (ctx) => {
      const hit = (await cached(ctx, chatId, messageId, v)) ?? (await ownSent(ctx, chatId, messageId, v, content))
      if (hit) return hit
      // Not an application message of this chat's group: the server altered it.
      const pm = privateMessageOf(chatId, content)
      if (!pm) return await remember(ctx, chatId, messageId, v, failure('tampered'))
      let local: Local | null
      try {
        local = await loadGroup(ctx, chatId)
        if (!local) {
          if (await wasRemoved(ctx, chatId)) return failure('undecryptable')
          const group = await ctx.dir.fresh(chatId)
          local = await current(ctx, chatId, group)
          // Not in the group: whatever exists now was sent before this device joins it.
          if (!local && !mine(ctx, group)?.inGroup) return await remember(ctx, chatId, messageId, v, failure('before_join'))
        }
        if (local && Number(pm.epoch) > epochOf(local.state)) local = await catchUp(ctx, chatId, local)
      } catch (error) {
        // Offline, or the chat is gone: nothing cached, so a later call tries again.
        console.warn('secret chat: cannot bring the group up to date', error)
        return failure('undecryptable')
      }
      if (!local) return failure('undecryptable')
      return await open(ctx, chatId, messageId, v, local, pm)
    })
  }

  remember(chatId: number, messageId: number, plaintext: Uint8Array, version?: string): Promise<void> {
    return this.inChat(chatId, async (ctx) => {
      const result: DecryptResult = { ok: true, plaintext, senderUserId: ctx.device.userId, senderDeviceId: ctx.device.deviceId }
      await remember(ctx, chatId, messageId, version ?? null, result)
    })
  }

  async peek(chatId: number, messageId: number, version?: string): Promise<DecryptResult | null> {
    // Outside the chat's queue: a read of the store, racing no state update that matters (a
    // decrypt finishing meanwhile only means the caller hears of it from that decrypt).
    return await cached(await this.context(), chatId, messageId, version ?? null)
  }

  async handleEvent(name: E2eeEventName, data: unknown): Promise<void> {
    if (!isObject(data) || typeof data.chatId !== 'number') return
    const chatId = data.chatId
    if (name === 'e2ee:commit') await this.inChat(chatId, (ctx) => this.onCommit(ctx, chatId, data as unknown as CommitEvent))
    else if (name === 'e2ee:welcome') await this.inChat(chatId, (ctx) => this.onWelcome(ctx, chatId, data as unknown as WelcomeEvent))
    // e2ee:devices_revoked, e2ee:device_added: the directory changed.
    else await this.devicesChanged(chatId)
  }

  devicesChanged(chatId: number): Promise<void> {
    return this.inChat(chatId, async (ctx) => {
      if (await loadGroup(ctx, chatId)) await this.sync(ctx, chatId, false)
    })
  }

  private async onCommit(ctx: Context, chatId: number, event: CommitEvent): Promise<void> {
    const local = await loadGroup(ctx, chatId)
    // Not in the group (a Welcome brings it), our own (adopted on the 200), or applied already.
    if (!local || event.deviceId === ctx.device.deviceId || event.epoch < epochOf(local.state)) return
    await catchUp(ctx, chatId, local, event.epoch === epochOf(local.state) ? [event] : undefined)
  }

  private async onWelcome(ctx: Context, chatId: number, event: WelcomeEvent): Promise<void> {
    if (!Array.isArray(event.deviceIds) || !event.deviceIds.includes(ctx.device.deviceId)) return
    if (await loadGroup(ctx, chatId)) return
    const local = await join(ctx, chatId, event)
    if (local) await catchUp(ctx, chatId, local)
  }

  /** A change another device is first in line for: do it ourselves if still pending later. */
  private later(chatId: number): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      this.inChat(chatId, async (ctx) => {
        if (await loadGroup(ctx, chatId)) await this.sync(ctx, chatId, true)
      }).catch((error: unknown) => { console.warn('secret chat: delayed commit failed', error) })
    }, this.options.actDelayMs ?? 5000)
    this.timers.add(timer)
  }

  async identities(chatId: number): Promise<DeviceIdentity[]> {
    const group = await this.dir.fresh(chatId)
    return group.devices
      .filter((d) => d.live)
      .map((d) => ({ userId: d.userId, deviceId: d.deviceId, signatureKey: d.signatureKey }))
  }

  forget(chatId: number, messageId: number): Promise<void> {
    return this.inChat(chatId, (ctx) =>
      ctx.store.write([{ table: 'plaintexts', key: cacheKey(chatId, messageId), value: undefined }]),
    )
  }

  async wipe(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    await this.ready?.catch(() => null)
    this.ready = null
    this.ring.clear()
    this.dir.forget()
    await this.options.store.destroy()
  }
}

