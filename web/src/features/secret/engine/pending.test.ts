// A commit of this device in flight (pending.ts) and new devices announced by the server
// (e2ee:device_added): real ts-mls on Node's WebCrypto, through the in-memory Delivery
// Service of ./testing.ts.
import { describe, expect, it } from 'vitest'
import { Engine } from './engine'
import { MemoryStore } from './store'
import { FakeServer } from './testing'
import { fromUtf8, utf8 } from './bytes'
import type { DecryptResult } from '../index'

const CHAT = 8
const PENDING = `${CHAT}:pending`

interface Device { engine: Engine; store: MemoryStore; session: string }

function device(server: FakeServer, userId: number, session: string, store = new MemoryStore()): Device {
  return { engine: new Engine({ ds: server.client(userId, session), store, actDelayMs: 10 }), store, session }
}

/** The same browser after its tab closed and opened again: a new engine, the same database. */
function reload(server: FakeServer, userId: number, d: Device): Device {
  return device(server, userId, d.session, d.store)
}

async function deliver(server: FakeServer, ...devices: Device[]): Promise<void> {
  await server.deliver(Object.fromEntries(devices.map((d) => [d.session, d.engine])))
}

function text(result: DecryptResult): string {
  if (!result.ok) throw new Error(`not decrypted: ${result.reason}`)
  return fromUtf8(result.plaintext)
}

let nextId = 500
function post(): number {
  return nextId++
}

async function pair(): Promise<{ server: FakeServer; alice: Device; bob: Device }> {
  const server = new FakeServer()
  server.createChat(CHAT, [1, 2])
  const alice = device(server, 1, 'a1')
  const bob = device(server, 2, 'b1')
  await bob.engine.ensureDevice()
  await alice.engine.openChat(CHAT)
  await deliver(server, alice, bob)
  return { server, alice, bob }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

describe('a commit in flight', () => {
  it('accepted but never saved (the answer lost, the tab closed): adopted on the next load', async () => {
    const { server, alice, bob } = await pair() // bob's device is first in line (dev1)
    const laptop = device(server, 2, 'b2')
    await laptop.engine.ensureDevice()
    server.inbox.clear() // nobody acts on the announcement: bob's openChat below does
    server.loseNext('answer')
    await expect(bob.engine.openChat(CHAT)).rejects.toThrow('connection lost')
    expect(server.epoch(CHAT)).toBe(2) // the server took it
    expect(await bob.store.get('groups', PENDING)).toBeDefined()

    const again = reload(server, 2, bob)
    await again.engine.openChat(CHAT)
    expect(await again.store.get('groups', PENDING)).toBeUndefined()
    await deliver(server, alice, again, laptop)
    const hello = await again.engine.encrypt(CHAT, utf8('after the lost answer'))
    expect(server.epoch(CHAT)).toBe(2) // nothing left to commit: the adopted state is current
    expect(text(await alice.engine.decrypt(CHAT, post(), hello))).toBe('after the lost answer')
    expect(text(await laptop.engine.decrypt(CHAT, post(), hello))).toBe('after the lost answer')
    const back = await laptop.engine.encrypt(CHAT, utf8('laptop here'))
    expect(text(await again.engine.decrypt(CHAT, post(), back))).toBe('laptop here')
  })

  it('a founding commit accepted but never saved: the founder adopts its group', async () => {
    const server = new FakeServer()
    server.createChat(CHAT, [1, 2])
    const alice = device(server, 1, 'a1')
    const bob = device(server, 2, 'b1')
    await bob.engine.ensureDevice()
    server.loseNext('answer')
    await expect(alice.engine.openChat(CHAT)).rejects.toThrow('connection lost')
    expect(server.epoch(CHAT)).toBe(1)

    const again = reload(server, 1, alice)
    const hi = await again.engine.encrypt(CHAT, utf8('founded after all'))
    await deliver(server, again, bob)
    expect(server.epoch(CHAT)).toBe(1)
    expect(text(await bob.engine.decrypt(CHAT, post(), hi))).toBe('founded after all')
  })

  it('never reached the server, and another commit took the epoch: dropped, the group goes on', async () => {
    const { server, alice, bob } = await pair()
    const laptop = device(server, 2, 'b2')
    await laptop.engine.ensureDevice()
    server.inbox.clear()
    server.loseNext('request')
    await expect(bob.engine.openChat(CHAT)).rejects.toThrow('no connection')
    expect(server.epoch(CHAT)).toBe(1)
    expect(await bob.store.get('groups', PENDING)).toBeDefined()
    await alice.engine.encrypt(CHAT, utf8('alice adds the laptop first')) // takes epoch 1

    const again = reload(server, 2, bob)
    await deliver(server, alice, again, laptop)
    await again.engine.openChat(CHAT)
    expect(await again.store.get('groups', PENDING)).toBeUndefined()
    const hi = await again.engine.encrypt(CHAT, utf8('still here'))
    expect(text(await laptop.engine.decrypt(CHAT, post(), hi))).toBe('still here')
    expect(text(await alice.engine.decrypt(CHAT, post(), hi))).toBe('still here')
  })

  it('refused by the server (409): dropped at once', async () => {
    const { server, alice, bob } = await pair()
    const laptop = device(server, 2, 'b2')
    await laptop.engine.ensureDevice()
    server.inbox.clear()
    server.raceNextCommits(2)
    await Promise.all([alice.engine.openChat(CHAT), bob.engine.encrypt(CHAT, utf8('race'))])
    expect(server.conflicts).toBe(1)
    expect(await alice.store.get('groups', PENDING)).toBeUndefined()
    expect(await bob.store.get('groups', PENDING)).toBeUndefined()
  })
})

describe('e2ee:device_added', () => {
  it('a device in the group adds the new device without anyone opening the chat or sending', async () => {
    const { server, alice, bob } = await pair()
    const laptop = device(server, 2, 'b2')
    await laptop.engine.ensureDevice()
    const announced = server.inbox.get('a1')?.find((e) => e.name === 'e2ee:device_added')
    expect(announced?.data).toEqual({ chatId: CHAT, userId: 2, deviceId: (await laptop.engine.ensureDevice()).deviceId })
    await deliver(server, alice, bob, laptop)
    await sleep(50) // the device not first in line looks again after its delay: nothing left
    await deliver(server, alice, bob, laptop)
    expect(server.epoch(CHAT)).toBe(2)
    expect(server.conflicts).toBe(0)
    const hi = await alice.engine.encrypt(CHAT, utf8('welcome, laptop'))
    expect(text(await laptop.engine.decrypt(CHAT, post(), hi))).toBe('welcome, laptop')
  })

  it('devicesChanged does nothing on a device that is not in the group', async () => {
    const { server } = await pair()
    const laptop = device(server, 2, 'b2')
    await laptop.engine.ensureDevice()
    await laptop.engine.devicesChanged(CHAT)
    expect(server.epoch(CHAT)).toBe(1)
    expect(await laptop.store.get('groups', String(CHAT))).toBeUndefined()
  })
})
