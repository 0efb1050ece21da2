// What this device knows and remembers about whom a secret chat's keys belong to: the
// current safety number, whether the user marked it verified, and members whose devices
// changed since this device last looked. Kept in localStorage per user and chat (signing
// out clears it, as it clears the keys it speaks of).
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { load, save } from '@/lib/storage'
import { useAuthStore } from '@/stores/auth'
import { loadEngine } from '../index'
import { useSecretStore } from '../store'
import { safetyNumber } from './safetyNumber'
import { changedMembers, mergeSnapshot, snapshotOf, type Snapshot } from './snapshot'

interface Stored {
  snapshot: Snapshot | null
  /** Members whose devices changed and the user has not looked at since (verify or dismiss). */
  changed: number[]
  /** The number the user marked verified; a different current number is not verified. */
  verified: string | null
}

export interface ChatTrust {
  /** The current safety number (60 digits), null until computed. */
  number: string | null
  devices: number
  members: number
  changed: number[]
  verified: string | null
}

const EMPTY: Stored = { snapshot: null, changed: [], verified: null }

export const useSecretTrustStore = defineStore('secretTrust', () => {
  const auth = useAuthStore()
  const byChat = reactive(new Map<number, ChatTrust>())
  // One refresh at a time per chat: each reads and writes the stored snapshot.
  const running = new Map<number, Promise<void>>()

  const key = (chatId: number): string => `secretTrust.${auth.user?.id ?? 0}.${chatId}`
  const stored = (chatId: number): Stored => ({ ...EMPTY, ...load<Partial<Stored>>(key(chatId), {}) })

  function put(chatId: number, value: Stored, number: string | null, devices: number, members: number): void {
    save(key(chatId), value)
    byChat.set(chatId, { number, devices, members, changed: value.changed, verified: value.verified })
  }

  async function compute(chatId: number): Promise<void> {
    const engine = await loadEngine()
    // This device registered and in the group first (once per chat per page life): a chat
    // nobody wrote in yet has no device, and its number would cover nothing. Failing that
    // (offline, no key packages), the directory still says who holds keys now.
    await useSecretStore().ready(engine, chatId).catch(() => undefined)
    const identities = await engine.identities(chatId)
    const number = await safetyNumber(identities)
    const before = stored(chatId)
    const now = snapshotOf(identities)
    const fresh = changedMembers(before.snapshot, now)
    const changed = [...new Set([...before.changed, ...fresh])].sort((a, b) => a - b)
    // A change ends the verification: the number the user checked no longer covers
    // these devices, even if it came back to the same value later.
    const verified = fresh.length > 0 ? null : before.verified
    put(chatId, { snapshot: mergeSnapshot(before.snapshot, now), changed, verified }, number,
      identities.length, Object.keys(now).length)
  }

  /** Re-read the chat's devices from the engine (on opening the chat, after a commit). */
  function refresh(chatId: number): Promise<void> {
    const previous = running.get(chatId) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(() => compute(chatId))
    running.set(chatId, next)
    void next.finally(() => { if (running.get(chatId) === next) running.delete(chatId) }).catch(() => undefined)
    return next
  }

  function update(chatId: number, change: Partial<Stored>): void {
    const current = byChat.get(chatId)
    const value = { ...stored(chatId), ...change }
    put(chatId, value, current?.number ?? null, current?.devices ?? 0, current?.members ?? 0)
  }

  /** The user compared the number with the others': remember it (and the warning is done). */
  function markVerified(chatId: number): void {
    const number = byChat.get(chatId)?.number
    if (number) update(chatId, { verified: number, changed: [] })
  }

  function clearVerified(chatId: number): void {
    update(chatId, { verified: null })
  }

  /** The user saw the key-change warning and chose not to verify now. */
  function dismissChanges(chatId: number): void {
    update(chatId, { changed: [] })
  }

  function state(chatId: number): ChatTrust | undefined {
    return byChat.get(chatId)
  }

  /** Verified while the current number is the one the user marked. */
  function isVerified(chatId: number): boolean {
    const s = byChat.get(chatId)
    return !!s?.number && s.verified === s.number
  }

  function reset(): void {
    byChat.clear()
  }

  return { byChat, refresh, markVerified, clearVerified, dismissChanges, state, isVerified, reset }
})
