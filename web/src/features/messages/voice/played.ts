// Which voice messages this user has listened to, as Telegram marks the unheard ones with a
// dot. Kept in this browser only (localStorage, per user): another device shows them unheard.
import { reactive } from 'vue'
import { load, save } from '@/lib/storage'

// The newest ids are kept: old messages are rarely scrolled back to.
const MAX_IDS = 2000
const cache = reactive(new Map<number, string[]>())

function key(userId: number): string {
  return `voicePlayed.${userId}`
}

function idsOf(userId: number): string[] {
  let ids = cache.get(userId)
  if (!ids) {
    const stored = load<unknown>(key(userId), [])
    ids = Array.isArray(stored) ? stored.filter((v): v is string => typeof v === 'string') : []
    cache.set(userId, ids)
  }
  return ids
}

export function isPlayed(userId: number, attachmentId: string): boolean {
  return idsOf(userId).includes(attachmentId)
}

export function markPlayed(userId: number, attachmentId: string): void {
  const ids = idsOf(userId)
  if (ids.includes(attachmentId)) return
  const next = [...ids, attachmentId].slice(-MAX_IDS)
  cache.set(userId, next)
  save(key(userId), next)
}
