// The engine with the real ts-mls on Node's WebCrypto (Node 20 has Ed25519 and X25519; the
// happy-dom environment leaves `crypto` to Node), several devices talking through an in-memory
// stand-in of the server's Delivery Service (./testing.ts).
import { describe, expect, it } from 'vitest'
import { Engine } from './engine'
import { MemoryStore } from './store'
import { FakeServer } from './testing'
import { fromUtf8, unb64, b64, utf8 } from './bytes'
import type { DecryptResult } from '../index'

const CHAT = 7

interface Device { engine: Engine; store: MemoryStore; session: string; userId: number }

function device(server: FakeServer, userId: number, session: string, store = new MemoryStore()): Device {
  return { engine: new Engine({ ds: server.client(userId, session), store, actDelayMs: 10 }), store, session, userId }
}

function text(result: DecryptResult): string {
  if (!result.ok) throw new Error(`not decrypted: ${result.reason}`)
  return fromUtf8(result.plaintext)
}

async function deliver(server: FakeServer, ...devices: Device[]): Promise<void> {
  await server.deliver(Object.fromEntries(devices.map((d) => [d.session, d.engine])))
}

/** Alice and Bob in a founded secret chat. */
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

let nextId = 100
function post(): number {
  return nextId++
}

describe('secret engine', () => {
  it('founds a group, carries messages both ways and caches what it decrypted', async () => {
    const { server, alice, bob } = await pair()
    expect(server.epoch(CHAT)).toBe(1)
    const hi = await alice.engine.encrypt(CHAT, utf8('hi bob'))
    const hiId = post()
    const first = await bob.engine.decrypt(CHAT, hiId, hi)
    expect(text(first)).toBe('hi bob')
    if (!first.ok) throw new Error('unreachable')
    expect(first.senderUserId).toBe(1)
    expect(first.senderDeviceId).toBe((await alice.engine.ensureDevice()).deviceId)
    // MLS opens a message once; the second answer is the cache's.
    expect(text(await bob.engine.decrypt(CHAT, hiId, hi))).toBe('hi bob')
    // The sender reads its own message by its id once the server gave it one.
    expect(text(await alice.engine.decrypt(CHAT, hiId, hi))).toBe('hi bob')
    const back = await bob.engine.encrypt(CHAT, utf8('hello alice'))
    expect(text(await alice.engine.decrypt(CHAT, post(), back))).toBe('hello alice')
    // The server sees a padded MLS PrivateMessage, not the text.
    expect(fromUtf8(unb64(hi))).not.toContain('hi bob')
  })

  it('peek reads only the local store: nothing before a decrypt, the same answer after', async () => {
    const { alice, bob } = await pair()
    const one = await alice.engine.encrypt(CHAT, utf8('first'))
    const two = await alice.engine.encrypt(CHAT, utf8('second'))
    const [oneId, twoId] = [post(), post()]
    // The newest message peeked at first is not opened: the older one still decrypts after.
    expect(await bob.engine.peek(CHAT, twoId)).toBeNull()
    expect(text(await bob.engine.decrypt(CHAT, oneId, one))).toBe('first')
    expect(await bob.engine.peek(CHAT, twoId)).toBeNull()
    expect(text(await bob.engine.decrypt(CHAT, twoId, two))).toBe('second')
    const peeked = await bob.engine.peek(CHAT, twoId)
    expect(peeked && text(peeked)).toBe('second')
    // Another version (an edit not read yet) is not in the store.
    expect(await bob.engine.peek(CHAT, twoId, '2026-11-26T08:00:00Z')).toBeNull()
  })

  it('keeps state and history across a reload (a new engine on the same database)', async () => {
    const { server, alice, bob } = await pair()
    const one = await alice.engine.encrypt(CHAT, utf8('before reload'))
    const oneId = post()
    expect(text(await bob.engine.decrypt(CHAT, oneId, one))).toBe('before reload')
    const bobAgain = device(server, 2, 'b1', bob.store)
    expect(text(await bobAgain.engine.decrypt(CHAT, oneId, one))).toBe('before reload')
    const two = await alice.engine.encrypt(CHAT, utf8('after reload'))
    expect(text(await bobAgain.engine.decrypt(CHAT, post(), two))).toBe('after reload')
    expect((await bobAgain.engine.ensureDevice()).deviceId).toBe((await bob.engine.ensureDevice()).deviceId)
  })

  it('keeps the identity key non-extractable; ts-mls holds only a handle', async () => {
    const { alice } = await pair()
    const identity = await alice.store.get<{ privateKey: CryptoKey; handle: Uint8Array }>('meta', 'identity')
    if (!identity) throw new Error('no identity stored')
    expect(identity.privateKey.extractable).toBe(false)
    expect(identity.privateKey.type).toBe('private')
    await expect(crypto.subtle.exportKey('pkcs8', identity.privateKey)).rejects.toThrow()
    const storageKey = await alice.store.get<CryptoKey>('meta', 'storageKey')
    expect(storageKey?.extractable).toBe(false)
    // Group states are sealed: the stored record is AES-GCM output, not the encoded state.
    const stored = await alice.store.get<{ state: { data: Uint8Array } }>('groups', String(CHAT))
    expect(stored?.state.data.length).toBeGreaterThan(100)
  })

  it('two devices founding at once: one group, the loser joins by its Welcome', async () => {
    const server = new FakeServer()
    server.createChat(CHAT, [1, 2])
    const alice = device(server, 1, 'a1')
    const bob = device(server, 2, 'b1')
    await Promise.all([alice.engine.ensureDevice(), bob.engine.ensureDevice()])
    server.raceNextCommits(2)
    await Promise.all([alice.engine.openChat(CHAT), bob.engine.openChat(CHAT)])
    expect(server.conflicts).toBe(1)
    expect(server.epoch(CHAT)).toBe(1)
    await deliver(server, alice, bob)
    const a = await alice.engine.encrypt(CHAT, utf8('one group'))
    expect(text(await bob.engine.decrypt(CHAT, post(), a))).toBe('one group')
    const b = await bob.engine.encrypt(CHAT, utf8('indeed'))
    expect(text(await alice.engine.decrypt(CHAT, post(), b))).toBe('indeed')
  })

  it('a device added later reads new messages, and old ones are before_join', async () => {
    const { server, alice, bob } = await pair()
    const old = await alice.engine.encrypt(CHAT, utf8('old news'))
    const oldId = post()
    const bob2 = device(server, 2, 'b2')
    await bob2.engine.ensureDevice()
    // Before anyone adds it: not in the group, so what exists was sent before it joins.
    expect(await bob2.engine.decrypt(CHAT, oldId, old)).toEqual({ ok: false, reason: 'before_join' })
    const fresh = await alice.engine.encrypt(CHAT, utf8('fresh news')) // commits the addition first
    await deliver(server, alice, bob, bob2)
    expect(server.epoch(CHAT)).toBe(2)
    expect(text(await bob2.engine.decrypt(CHAT, post(), fresh))).toBe('fresh news')
    expect(text(await bob.engine.decrypt(CHAT, post(), fresh))).toBe('fresh news')
    // An epoch-1 message opened after the move to epoch 2, by a reloaded engine: the previous
    // epochs' receiving keys are part of the stored state.
    const bobReloaded = device(server, 2, 'b1', bob.store)
    expect(text(await bobReloaded.engine.decrypt(CHAT, oldId, old))).toBe('old news')
    const bob2Old = device(server, 2, 'b2', bob2.store) // a reload does not change it
    expect(await bob2Old.engine.decrypt(CHAT, post(), old)).toEqual({ ok: false, reason: 'before_join' })
    const fromBob2 = await bob2.engine.encrypt(CHAT, utf8('from my laptop'))
    expect(text(await alice.engine.decrypt(CHAT, post(), fromBob2))).toBe('from my laptop')
  })

  it('joins from GET .../welcome when the event was missed', async () => {
    const server = new FakeServer()
    server.createChat(CHAT, [1, 2])
    const alice = device(server, 1, 'a1')
    const bob = device(server, 2, 'b1')
    await bob.engine.ensureDevice()
    await alice.engine.openChat(CHAT)
    server.inbox.clear() // bob's Welcome event is lost
    const msg = await alice.engine.encrypt(CHAT, utf8('did you get this'))
    expect(text(await bob.engine.decrypt(CHAT, post(), msg))).toBe('did you get this')
  })

  it('a removed device cannot decrypt what is sent after its removal', async () => {
    const { server, alice, bob } = await pair()
    const bob2 = device(server, 2, 'b2')
    await bob2.engine.ensureDevice()
    await bob.engine.openChat(CHAT) // bob's first device adds his second
    await deliver(server, alice, bob, bob2)
    const both = await alice.engine.encrypt(CHAT, utf8('to both'))
    expect(text(await bob2.engine.decrypt(CHAT, post(), both))).toBe('to both')
    server.endSession('b2') // signed out (its state kept here to try)
    await deliver(server, alice, bob)
    const after = await alice.engine.encrypt(CHAT, utf8('only bob1'))
    expect(server.epoch(CHAT)).toBe(3)
    await deliver(server, alice, bob, bob2)
    expect(text(await bob.engine.decrypt(CHAT, post(), after))).toBe('only bob1')
    // It applied the commit that removed it: it has no keys for the new epoch.
    expect(await bob2.engine.decrypt(CHAT, post(), after)).toEqual({ ok: false, reason: 'undecryptable' })
  })

  it('says tampered for an altered ciphertext and never shows it', async () => {
    const { alice, bob } = await pair()
    const msg = unb64(await alice.engine.encrypt(CHAT, utf8('do not touch')))
    msg[msg.length - 5] = (msg[msg.length - 5] ?? 0) ^ 0x01
    expect(await bob.engine.decrypt(CHAT, post(), b64(msg))).toEqual({ ok: false, reason: 'tampered' })
    expect(await bob.engine.decrypt(CHAT, post(), 'bm90IG1scw==')).toEqual({ ok: false, reason: 'tampered' })
  })

  it('two devices committing at once: one wins, the loser applies it and goes on', async () => {
    const { server, alice, bob } = await pair()
    const bob2 = device(server, 2, 'b2')
    await bob2.engine.ensureDevice()
    server.raceNextCommits(2)
    // Both add bob2 before sending, in the same epoch.
    const [a, b] = await Promise.all([
      alice.engine.encrypt(CHAT, utf8('from alice')),
      bob.engine.encrypt(CHAT, utf8('from bob')),
    ])
    expect(server.conflicts).toBe(1)
    expect(server.epoch(CHAT)).toBe(2)
    await deliver(server, alice, bob, bob2)
    expect(text(await bob.engine.decrypt(CHAT, post(), a))).toBe('from alice')
    expect(text(await alice.engine.decrypt(CHAT, post(), b))).toBe('from bob')
    expect(text(await bob2.engine.decrypt(CHAT, post(), a))).toBe('from alice')
    expect(text(await bob2.engine.decrypt(CHAT, post(), b))).toBe('from bob')
  })

  it('catches up on a message from an epoch ahead, and serialises events with decrypts', async () => {
    const { server, alice, bob } = await pair()
    const bob2 = device(server, 2, 'b2')
    await bob2.engine.ensureDevice()
    const msg = await alice.engine.encrypt(CHAT, utf8('epoch two')) // commits bob2's addition
    // Bob's commit event and the message arrive together; the queue orders them.
    const events = server.inbox.get('b1') ?? []
    server.inbox.set('b1', [])
    const [result] = await Promise.all([
      bob.engine.decrypt(CHAT, post(), msg),
      ...events.map((e) => bob.engine.handleEvent(e.name, e.data)),
    ])
    expect(text(result)).toBe('epoch two')
  })

  it('serialises operations per chat: no generation is used twice', async () => {
    const { alice, bob } = await pair()
    // Two sends at once must take two generations (one would reuse a nonce)...
    const [one, two] = await Promise.all([
      alice.engine.encrypt(CHAT, utf8('one')),
      alice.engine.encrypt(CHAT, utf8('two')),
    ])
    expect(text(await bob.engine.decrypt(CHAT, post(), one))).toBe('one')
    expect(text(await bob.engine.decrypt(CHAT, post(), two))).toBe('two')
    // ...and one message under two ids at once opens once: its key is gone after.
    const three = await alice.engine.encrypt(CHAT, utf8('three'))
    const results = await Promise.all([bob.engine.decrypt(CHAT, post(), three), bob.engine.decrypt(CHAT, post(), three)])
    expect(results.filter((r) => r.ok)).toHaveLength(1)
    expect(results.find((r) => !r.ok)).toEqual({ ok: false, reason: 'undecryptable' })
  })

  it('an edited message (new version) is decrypted anew; forget drops the cache', async () => {
    const { alice, bob } = await pair()
    const id = post()
    const v1 = await alice.engine.encrypt(CHAT, utf8('typo'))
    expect(text(await bob.engine.decrypt(CHAT, id, v1))).toBe('typo')
    const v2 = await alice.engine.encrypt(CHAT, utf8('fixed'))
    expect(text(await bob.engine.decrypt(CHAT, id, v2, '2026-11-26T08:00:00Z'))).toBe('fixed')
    expect(text(await bob.engine.decrypt(CHAT, id, v2, '2026-11-26T08:00:00Z'))).toBe('fixed')
    await bob.engine.forget(CHAT, id)
    expect(await bob.store.get('plaintexts', `${CHAT}:${id}`)).toBeUndefined()
  })

  it('a new session in a browser that kept the old keys registers a new device (key_in_use)', async () => {
    const { server, alice } = await pair()
    const first = (await alice.engine.ensureDevice()).deviceId
    const msg = await alice.engine.encrypt(CHAT, utf8('mine'))
    expect(text(await alice.engine.decrypt(CHAT, post(), msg))).toBe('mine')
    const again = device(server, 1, 'a2', alice.store) // signed in anew without a wipe
    const second = (await again.engine.ensureDevice()).deviceId
    expect(second).not.toBe(first)
    expect(await alice.store.keys('plaintexts')).toEqual([])
    expect(await alice.store.keys('groups')).toEqual([])
  })

  it('the device first in line commits at once; another waits, then acts if nobody did', async () => {
    const { server, alice, bob } = await pair()
    const ids = { alice: (await alice.engine.ensureDevice()).deviceId, bob: (await bob.engine.ensureDevice()).deviceId }
    const [first, second] = ids.alice < ids.bob ? [alice, bob] : [bob, alice]
    const bob2 = device(server, 2, 'b2')
    await bob2.engine.ensureDevice()
    await second.engine.openChat(CHAT)
    expect(server.epoch(CHAT)).toBe(1) // waiting for the first in line
    await new Promise((resolve) => setTimeout(resolve, 200)) // its delay is 10 ms here
    expect(server.epoch(CHAT)).toBe(2)
    await deliver(server, alice, bob, bob2)
    await first.engine.openChat(CHAT) // nothing left to do: no second commit
    expect(server.epoch(CHAT)).toBe(2)
    expect(text(await bob2.engine.decrypt(CHAT, post(), await first.engine.encrypt(CHAT, utf8('hi all'))))).toBe('hi all')
  })

  it('remember() keeps an own message under its id; unclaimed sent copies expire', async () => {
    const { server, alice } = await pair()
    const content = await alice.engine.encrypt(CHAT, utf8('note to self'))
    await alice.engine.remember(CHAT, 555, utf8('note to self'), 'v1')
    const result = await alice.engine.decrypt(CHAT, 555, content, 'v1')
    expect(text(result)).toBe('note to self')
    expect(result.ok && result.senderUserId).toBe(1)
    expect(await alice.store.keys('sent')).toHaveLength(1) // kept by hash until it expires
    const [hash] = await alice.store.keys('sent')
    const record = await alice.store.get<{ at: number }>('sent', hash ?? '')
    await alice.store.write([{ table: 'sent', key: hash ?? '', value: { ...record, at: Date.now() - 4 * 24 * 3600 * 1000 } }])
    await device(server, 1, 'a1', alice.store).engine.ensureDevice() // a reload prunes
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(await alice.store.keys('sent')).toEqual([])
  })

  it('lists identities, and wipe deletes everything local', async () => {
    const { alice, bob } = await pair()
    const ids = await alice.engine.identities(CHAT)
    expect(ids.map((i) => i.userId).sort()).toEqual([1, 2])
    expect(ids.every((i) => unb64(i.signatureKey).length === 32)).toBe(true)
    await bob.engine.wipe()
    expect(await bob.store.keys('groups')).toEqual([])
    expect(await bob.store.get('meta', 'identity')).toBeUndefined()
  })
})
