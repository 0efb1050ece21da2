// For tests only: a small in-memory stand-in of the server's Delivery Service and directory
// (src/shomik/e2ee, covered by tests/e2ee), holding the rules the engine relies on: one
// commit per epoch (409 stale_epoch), one-time key packages never handed to their own device,
// Welcomes to the added devices, and events to each session's inbox.
import { ApiError } from '@/api/http'
import type { E2eeEventName } from '../index'
import type { CommitEvent, CommitIn, DeliveryService, Device, GroupDevice, SecretGroup } from './ds'
import { decodeKeyPackage, decodeMessage, identityText } from './mls'
import { b64 } from './bytes'

interface DeviceRow { id: string; userId: number; session: string; key: string; revoked: boolean }
interface ChatRow { members: Set<number>; epoch: number; added: Map<string, number>; commits: (CommitEvent & { welcome: string | null })[] }
export interface Delivered { name: E2eeEventName; data: unknown }

export class FakeServer {
  private readonly devices = new Map<string, DeviceRow>()
  private readonly packages = new Map<string, string[]>()
  private readonly chats = new Map<number, ChatRow>()
  readonly inbox = new Map<string, Delivered[]>()
  /** postCommit answers this many 409s in all (to count races). */
  conflicts = 0
  /** The next postCommit fails as a lost connection would: `answer` after the commit was
   *  accepted (the tab never hears of it), `request` before it reached the server. */
  private lose: 'answer' | 'request' | null = null
  /** When set, the first postCommit waits until this many are pending (a forced race). */
  private gate: { want: number; waiting: (() => void)[] } | null = null
  private nextDevice = 1

  createChat(chatId: number, members: number[]): void {
    this.chats.set(chatId, { members: new Set(members), epoch: 0, added: new Map(), commits: [] })
  }

  loseNext(what: 'answer' | 'request'): void {
    this.lose = what
  }

  raceNextCommits(count: number): void {
    this.gate = { want: count, waiting: [] }
  }

  endSession(session: string): void {
    for (const d of this.devices.values()) {
      if (d.session !== session || d.revoked) continue
      d.revoked = true
      for (const [chatId, chat] of this.chats) {
        if (chat.added.has(d.id)) this.toChat(chatId, 'e2ee:devices_revoked', { chatId, userId: d.userId, deviceIds: [d.id] })
      }
    }
  }

  epoch(chatId: number): number {
    return this.chat(chatId).epoch
  }

  private chat(chatId: number): ChatRow {
    const chat = this.chats.get(chatId)
    if (!chat) throw new ApiError(404, 'not_found', 'no chat')
    return chat
  }

  private send(session: string, name: E2eeEventName, data: unknown): void {
    this.inbox.set(session, [...(this.inbox.get(session) ?? []), { name, data }])
  }

  private toChat(chatId: number, name: E2eeEventName, data: unknown): void {
    const members = this.chat(chatId).members
    const sessions = new Set([...this.devices.values()].filter((d) => members.has(d.userId)).map((d) => d.session))
    for (const session of sessions) this.send(session, name, data)
  }

  private live(chat: ChatRow, d: DeviceRow): boolean {
    return !d.revoked && chat.members.has(d.userId)
  }

  private directory(chatId: number): GroupDevice[] {
    const chat = this.chat(chatId)
    return [...this.devices.values()]
      .filter((d) => chat.added.has(d.id) || this.live(chat, d))
      .map((d) => ({
        deviceId: d.id, userId: d.userId, identity: `${d.userId}:${d.id}`, signatureKey: d.key,
        inGroup: chat.added.has(d.id), addedEpoch: chat.added.get(d.id) ?? null,
        live: this.live(chat, d), revokedAt: d.revoked ? new Date().toISOString() : null,
      }))
  }

  private async commit(userId: number, session: string, chatId: number, body: CommitIn): Promise<{ chatId: number; epoch: number }> {
    const gate = this.gate
    if (gate) {
      await new Promise<void>((resolve) => {
        gate.waiting.push(resolve)
        if (gate.waiting.length >= gate.want) {
          this.gate = null
          gate.waiting.forEach((go) => { go() })
        }
      })
    }
    const lose = this.lose
    this.lose = null
    if (lose === 'request') throw new ApiError(0, 'network', 'no connection')
    const chat = this.chat(chatId)
    const me = [...this.devices.values()].find((d) => d.session === session && !d.revoked)
    const message = decodeMessage(body.commit)
    const madeIn = message?.wireformat === 'mls_private_message' ? message.privateMessage.epoch
      : message?.wireformat === 'mls_public_message' ? message.publicMessage.content.epoch : -1n
    if (Number(madeIn) !== body.epoch) throw new ApiError(422, 'epoch_mismatch', 'epoch')
    if (body.epoch !== chat.epoch) {
      this.conflicts++
      throw new ApiError(409, 'stale_epoch', 'stale')
    }
    const founding = chat.epoch === 0 && chat.added.size === 0
    if (!me || (!founding && !chat.added.has(me.id))) throw new ApiError(403, 'not_in_group', 'not in group')
    for (const id of body.addedDeviceIds ?? []) {
      const d = this.devices.get(id)
      if (!d || !this.live(chat, d) || chat.added.has(id)) throw new ApiError(422, 'cannot_add', id)
    }
    for (const id of body.removedDeviceIds ?? []) {
      const d = this.devices.get(id)
      if (!d || !chat.added.has(id) || this.live(chat, d)) throw new ApiError(422, 'cannot_remove', id)
    }
    if (founding) chat.added.set(me.id, 0)
    chat.epoch++
    for (const id of body.addedDeviceIds ?? []) chat.added.set(id, chat.epoch)
    for (const id of body.removedDeviceIds ?? []) chat.added.delete(id)
    const event: CommitEvent = {
      chatId, epoch: body.epoch, commit: body.commit, userId, deviceId: me.id,
      addedDeviceIds: body.addedDeviceIds ?? [], removedDeviceIds: body.removedDeviceIds ?? [],
      createdAt: new Date().toISOString(),
    }
    chat.commits.push({ ...event, welcome: body.welcome ?? null })
    this.toChat(chatId, 'e2ee:commit', event)
    if (body.welcome) {
      for (const id of body.addedDeviceIds ?? []) {
        const d = this.devices.get(id)
        if (d) this.send(d.session, 'e2ee:welcome', { chatId, epoch: chat.epoch, deviceIds: [id], welcome: body.welcome })
      }
    }
    if (lose === 'answer') throw new ApiError(0, 'network', 'connection lost')
    return { chatId, epoch: chat.epoch }
  }

  /** The Delivery Service as one signed-in session sees it. */
  client(userId: number, session: string): DeliveryService {
    const device = (): DeviceRow | undefined => [...this.devices.values()].find((d) => d.session === session)
    const mine = (): DeviceRow => {
      const d = device()
      if (!d) throw new ApiError(422, 'no_device', 'no device')
      return d
    }
    const toDevice = (d: DeviceRow): Device => ({
      deviceId: d.id, userId: d.userId, identity: `${d.userId}:${d.id}`, signatureKey: d.key,
      createdAt: new Date().toISOString(), keyPackages: this.packages.get(d.id)?.length ?? 0,
    })
    return {
      registerDevice: (signatureKey) => {
        const current = device()
        if (current?.key === signatureKey) return Promise.resolve(toDevice(current))
        if ([...this.devices.values()].some((d) => d.key === signatureKey)) return Promise.reject(new ApiError(409, 'key_in_use', 'in use'))
        if (current) current.revoked = true
        const row = { id: `dev${this.nextDevice++}`, userId, session, key: signatureKey, revoked: false }
        this.devices.set(row.id, row)
        for (const [chatId, chat] of this.chats) {
          if (chat.members.has(userId)) this.toChat(chatId, 'e2ee:device_added', { chatId, userId, deviceId: row.id })
        }
        return Promise.resolve(toDevice(row))
      },
      currentDevice: () => Promise.resolve(device() ? toDevice(mine()) : null),
      publishKeyPackages: (keyPackages) => {
        const d = mine()
        for (const text of keyPackages) {
          const kp = decodeKeyPackage(text)
          if (!kp || identityText(kp.leafNode.credential) !== `${userId}:${d.id}` || b64(kp.leafNode.signaturePublicKey) !== d.key) {
            return Promise.reject(new ApiError(403, 'forbidden', 'not this device'))
          }
        }
        this.packages.set(d.id, [...(this.packages.get(d.id) ?? []), ...keyPackages])
        return Promise.resolve({ stored: keyPackages.length, keyPackages: this.packages.get(d.id)?.length ?? 0 })
      },
      claimKeyPackages: (target, chatId) => {
        const own = device()?.id
        const wanted = this.directory(chatId).filter((d) => d.userId === target && d.live && !d.inGroup && d.deviceId !== own)
        const keyPackages = wanted.flatMap((d) => {
          const kp = this.packages.get(d.deviceId)?.shift()
          return kp ? [{ deviceId: d.deviceId, keyPackage: kp }] : []
        })
        return Promise.resolve({ userId: target, keyPackages, exhaustedDeviceIds: [] })
      },
      group: (chatId): Promise<SecretGroup> => Promise.resolve({ chatId, epoch: this.chat(chatId).epoch, devices: this.directory(chatId) }),
      postCommit: (chatId, body) => this.commit(userId, session, chatId, body),
      commits: (chatId, since) => Promise.resolve(
        this.chat(chatId).commits.filter((c) => c.epoch >= since).map((c): CommitEvent => ({ ...c, welcome: undefined } as CommitEvent)),
      ),
      welcome: (chatId) => {
        const d = device()
        const added = d ? this.chat(chatId).added.get(d.id) : undefined
        const row = added ? this.chat(chatId).commits.find((c) => c.epoch === added - 1) : undefined
        return Promise.resolve(d && added && row?.welcome ? { chatId, epoch: added, deviceIds: [d.id], welcome: row.welcome } : null)
      },
    }
  }

  /** Hand each session's pending events to its engine, until no session has any. */
  async deliver(engines: Record<string, { handleEvent(name: E2eeEventName, data: unknown): Promise<void> }>): Promise<void> {
    for (let round = 0; round < 20; round++) {
      const pending = [...this.inbox.entries()].filter(([session, list]) => list.length > 0 && engines[session])
      if (pending.length === 0) return
      for (const [session, list] of pending) {
        this.inbox.set(session, [])
        for (const event of list) await engines[session]?.handleEvent(event.name, event.data)
      }
    }
  }
}
