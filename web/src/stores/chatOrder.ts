// What a user's own chat settings mean for the chat list (pure, so unit-tested alone):
// pinned chats first in the order the user gave them, then the rest by last activity;
// archived chats only in the Archived folder; a mute holds until its date.
import type { Chat, ChatSettings } from '@/api/types'

/** "Forever": the server reads any date from year 9000 as a mute that never ends. */
export const MUTED_FOREVER = '9999-01-01T00:00:00Z'

export type MuteFor = '1h' | '8h' | 'forever'

const HOUR_MS = 3_600_000

/** The `mutedUntil` to send for a choice in the menu. */
export function muteUntil(choice: MuteFor, now = Date.now()): string {
  if (choice === 'forever') return MUTED_FOREVER
  return new Date(now + (choice === '1h' ? 1 : 8) * HOUR_MS).toISOString()
}

export function isMuted(settings: ChatSettings, now = Date.now()): boolean {
  return settings.mutedUntil !== null && Date.parse(settings.mutedUntil) > now
}

export function isForever(settings: ChatSettings): boolean {
  return settings.mutedUntil !== null && Date.parse(settings.mutedUntil) >= Date.parse('9000-01-01T00:00:00Z')
}

/** When the chat last moved: its last message, or its creation. ISO strings sort as text. */
export function activity(chat: Chat): string {
  return chat.lastMessage?.createdAt ?? chat.createdAt
}

/** The list's order: pinned first (by pinnedAt, oldest first: the order the user set),
 *  then by last activity, newest first. */
export function compareChats(a: Chat, b: Chat): number {
  const pa = a.settings.pinned ? (a.settings.pinnedAt ?? '') : null
  const pb = b.settings.pinned ? (b.settings.pinnedAt ?? '') : null
  if (pa !== null && pb !== null) return pa.localeCompare(pb) || a.id - b.id
  if (pa !== null) return -1
  if (pb !== null) return 1
  return activity(b).localeCompare(activity(a)) || b.id - a.id
}

/** The main list (archived chats left out) and the Archived folder, each in list order. */
export function splitList(chats: Iterable<Chat>): { main: Chat[]; archived: Chat[] } {
  const all = [...chats].sort(compareChats)
  return { main: all.filter((c) => !c.settings.archived), archived: all.filter((c) => c.settings.archived) }
}

/** The pinned chats' ids after moving one of them to `to` (an index among the pinned). */
export function movePinned(pinnedIds: number[], id: number, to: number): number[] {
  const rest = pinnedIds.filter((x) => x !== id)
  if (rest.length === pinnedIds.length) return pinnedIds
  const at = Math.max(0, Math.min(rest.length, to))
  return [...rest.slice(0, at), id, ...rest.slice(at)]
}

/** The pinnedAt values that put the pinned chats in this order at once, while the request
 *  is under way: just before the earliest of their present times, so every time the server
 *  then gives (later than all of those) sorts after them. The server announces the new
 *  times bottom first, so the list keeps this order as they arrive one by one. */
export function pinnedTimes(ids: number[], current: readonly (string | null)[] = []): Map<number, string> {
  const known = current.filter((t): t is string => t !== null).map((t) => Date.parse(t))
  const base = (known.length > 0 ? Math.min(...known) : Date.now()) - ids.length
  return new Map(ids.map((id, i) => [id, new Date(base + i).toISOString()]))
}
