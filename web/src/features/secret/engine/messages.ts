// Application messages (docs/e2ee.md §4 "Messages") and the local plaintext cache. MLS opens a
// message once per device (its key is deleted as it is used), so every result is kept here,
// sealed, by message id: that is what makes history readable after a reload. A device cannot
// open its own messages either, so what it sends is kept by the ciphertext's hash until the
// message comes back with its id.
import { createApplicationMessage, type PrivateMessage } from 'ts-mls'
import type { DecryptResult } from '../index'
import { equalBytes, sha256Hex } from './bytes'
import { groupIdOf, groupWrite, type Context, type Local } from './context'
import { decodeMessage, epochOf, isTampering, parseIdentity, readApplication, TooOld, wire } from './mls'
import type { Write } from './store'
import type { Sealed } from './vault'

type Failure = 'before_join' | 'undecryptable' | 'tampered'

interface Sender {
  senderUserId: number
  senderDeviceId: string
}

/** A cached result: the plaintext sealed, or why there is none (never `undecryptable`, which
 *  may change: the device may join or catch up later). */
type Cached =
  | ({ version: string | null; ok: true; sealed: Sealed } & Sender)
  | { version: string | null; ok: false; reason: 'before_join' | 'tampered' }

type SentRecord = { chatId: number; sealed: Sealed; at: number } & Sender

/** A sent message whose id never came back (the send failed, or remember() stored it under
 *  its id instead) is dropped after this long. */
const SENT_KEEP_MS = 3 * 24 * 3600 * 1000

export async function pruneSent(ctx: Context, now = Date.now()): Promise<void> {
  const writes: Write[] = []
  for (const key of await ctx.store.keys('sent')) {
    const record = await ctx.store.get<SentRecord>('sent', key)
    if (!record || !(record.at > now - SENT_KEEP_MS)) writes.push({ table: 'sent', key, value: undefined })
  }
  await ctx.store.write(writes)
}

export function cacheKey(chatId: number, messageId: number): string {
  return `${chatId}:${messageId}`
}

export async function encryptFor(ctx: Context, chatId: number, local: Local, plaintext: Uint8Array): Promise<string> {
  const result = await createApplicationMessage(local.state, plaintext, ctx.cs)
  const content = wire({ version: 'mls10', wireformat: 'mls_private_message', privateMessage: result.privateMessage })
  const hash = await sha256Hex(content)
  const sent: SentRecord = {
    chatId,
    senderUserId: ctx.device.userId,
    senderDeviceId: ctx.device.deviceId,
    sealed: await ctx.vault.seal('sent', hash, plaintext),
    at: Date.now(),
  }
  // The advanced state and the plaintext land together: a reload never repeats a generation.
  await ctx.store.write([
    await groupWrite(ctx, chatId, { ...local, state: result.newState }),
    { table: 'sent', key: hash, value: sent },
  ])
  return content
}

/** The cached result for this message and version, or null. */
export async function cached(ctx: Context, chatId: number, messageId: number, version: string | null): Promise<DecryptResult | null> {
  const key = cacheKey(chatId, messageId)
  const hit = await ctx.store.get<Cached>('plaintexts', key)
  if (!hit || hit.version !== version) return null
  if (!hit.ok) return { ok: false, reason: hit.reason }
  const plaintext = await ctx.vault.open('plaintexts', key, hit.sealed)
  return { ok: true, plaintext, senderUserId: hit.senderUserId, senderDeviceId: hit.senderDeviceId }
}

async function cacheWrite(ctx: Context, key: string, version: string | null, result: DecryptResult): Promise<Write> {
  if (result.ok) {
    const sealed = await ctx.vault.seal('plaintexts', key, result.plaintext)
    const value: Cached = { version, ok: true, sealed, senderUserId: result.senderUserId, senderDeviceId: result.senderDeviceId }
    return { table: 'plaintexts', key, value }
  }
  if (result.reason === 'undecryptable') return { table: 'plaintexts', key, value: undefined }
  return { table: 'plaintexts', key, value: { version, ok: false, reason: result.reason } satisfies Cached }
}

/** This device's own message, kept when it was sent: moved under its message id. */
export async function ownSent(ctx: Context, chatId: number, messageId: number, version: string | null, content: string): Promise<DecryptResult | null> {
  const hash = await sha256Hex(content)
  const sent = await ctx.store.get<SentRecord>('sent', hash)
  if (!sent || sent.chatId !== chatId) return null
  const plaintext = await ctx.vault.open('sent', hash, sent.sealed)
  const result: DecryptResult = { ok: true, plaintext, senderUserId: sent.senderUserId, senderDeviceId: sent.senderDeviceId }
  await ctx.store.write([
    await cacheWrite(ctx, cacheKey(chatId, messageId), version, result),
    { table: 'sent', key: hash, value: undefined },
  ])
  return result
}

export function privateMessageOf(chatId: number, content: string): PrivateMessage | null {
  const message = decodeMessage(content)
  if (message?.wireformat !== 'mls_private_message') return null
  const pm = message.privateMessage
  return pm.contentType === 'application' && equalBytes(pm.groupId, groupIdOf(chatId)) ? pm : null
}

export function failure(reason: Failure): DecryptResult {
  return { ok: false, reason }
}

/** Cache a result reached without opening the message (tampered framing, before join). */
export async function remember(
  ctx: Context,
  chatId: number,
  messageId: number,
  version: string | null,
  result: DecryptResult,
): Promise<DecryptResult> {
  await ctx.store.write([await cacheWrite(ctx, cacheKey(chatId, messageId), version, result)])
  return result
}

/** Open a message with the group state (caught up to its epoch already), cache the result. */
export async function open(
  ctx: Context,
  chatId: number,
  messageId: number,
  version: string | null,
  local: Local,
  pm: PrivateMessage,
): Promise<DecryptResult> {
  const key = cacheKey(chatId, messageId)
  let result: DecryptResult
  let next: Local | null = null
  if (Number(pm.epoch) < local.joinedEpoch) result = failure('before_join')
  else if (Number(pm.epoch) > epochOf(local.state)) result = failure('undecryptable')
  else {
    try {
      const app = await readApplication(local.state, pm, ctx.cs)
      const sender = parseIdentity(app.senderIdentity)
      if (!sender) throw new TypeError('sender identity is not <userId>:<deviceId>')
      result = { ok: true, plaintext: app.plaintext, senderUserId: sender.userId, senderDeviceId: sender.deviceId }
      next = { ...local, state: app.state }
    } catch (error) {
      if (error instanceof TooOld) result = failure('undecryptable')
      else if (isTampering(error)) result = failure('tampered')
      else {
        // Already opened (its generation's key is gone) but not cached, or a state problem.
        console.warn('secret chat: message not opened', error)
        result = failure('undecryptable')
      }
    }
  }
  const writes = [await cacheWrite(ctx, key, version, result)]
  if (next) writes.push(await groupWrite(ctx, chatId, next))
  await ctx.store.write(writes)
  return result
}
