// Everyone we know of (chat members, search results), with live status and typing. Names
// not known yet (senders and mentions in a group whose members were never loaded: the chat
// list carries no member lists) are asked for with `ensure`, a hundred at a time.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { api } from '@/api/http'
import type { Message, TypingUpdate, UserProfile, UserPublic, UserStatus } from '@/api/types'
import { setting } from '@/realtime/state'
import { useAuthStore } from './auth'

/** The server's limit of `GET /api/users/by-id`. */
const BY_ID_LIMIT = 100

/** The people a message names: its sender, mentions, a system message's actor and subjects,
 *  the sender of the message it replies to. */
export function peopleOf(message: Message): number[] {
  const ids: unknown[] = [message.senderId, ...message.mentions, message.replyPreview?.senderId]
  const meta = message.meta
  if (meta) {
    ids.push(meta.actorId)
    if (Array.isArray(meta.userIds)) ids.push(...(meta.userIds as unknown[]))
  }
  return ids.filter((id): id is number => typeof id === 'number')
}

/** The server's typing TTL (ready config; SHOMIK_TYPING_TTL_SECONDS): a lost "stop"
 *  expires here too. */
export function typingTtlMs(): number {
  return setting('typingTtlSeconds') * 1000
}

export const useUsersStore = defineStore('users', () => {
  const byId = reactive(new Map<number, UserPublic>())
  // chatId -> userId -> expiry (ms since epoch)
  const typing = reactive(new Map<number, Map<number, number>>())
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  // Asked for and not answered yet; asked for and not found (never asked again).
  const asking = new Set<number>()
  const unknown = new Set<number>()
  const queued = new Set<number>()
  let flushing: Promise<void> | null = null

  function upsert(user: UserPublic): void {
    byId.set(user.id, { ...byId.get(user.id), ...user })
  }

  /** Fetch whichever of these people are not known yet: the calls of one task are sent
   *  together, so a page of messages costs one request, not one per sender. Settles when
   *  the request it joined is answered (or failed). */
  function ensure(ids: Iterable<number | null | undefined>): Promise<void> {
    const me = useAuthStore().user
    for (const id of ids) {
      if (id == null || byId.has(id) || asking.has(id) || unknown.has(id)) continue
      if (id === me?.id) {
        // The user is known without asking: from sign-in.
        const { username, displayName, avatarUrl, status, lastSeen, deactivated } = me
        byId.set(id, { id, username, displayName, avatarUrl, status, lastSeen, deactivated })
        continue
      }
      queued.add(id)
    }
    if (queued.size > 0) flushing ??= new Promise((resolve) => setTimeout(resolve, 0)).then(flush)
    return flushing ?? Promise.resolve()
  }

  async function flush(): Promise<void> {
    flushing = null
    const ids = [...queued]
    queued.clear()
    for (let i = 0; i < ids.length; i += BY_ID_LIMIT) {
      const chunk = ids.slice(i, i + BY_ID_LIMIT)
      for (const id of chunk) asking.add(id)
      try {
        const { users } = await api.usersById(chunk)
        for (const user of users) if (!byId.has(user.id)) upsert(user)
        const found = new Set(users.map((u) => u.id))
        for (const id of chunk) if (!found.has(id)) unknown.add(id)
      } catch {
        // Offline: asked again by the next `ensure` that names them.
      } finally {
        for (const id of chunk) asking.delete(id)
      }
    }
  }

  /** Name, avatar, deactivation (`user:updated`): the presence we know stays as it is,
   * except that a deactivated account is offline with no last seen, as the server shows it. */
  function applyProfile(profile: UserProfile): void {
    const known = byId.get(profile.id)
    const gone = profile.deactivated ? { status: 'offline' as const, lastSeen: null } : {}
    byId.set(profile.id, { status: null, lastSeen: null, ...known, ...profile, ...gone })
  }

  function applyStatus(s: UserStatus): void {
    const user = byId.get(s.userId)
    if (user) byId.set(s.userId, { ...user, status: s.status, lastSeen: s.lastSeen })
  }

  function applyTyping(t: TypingUpdate): void {
    const key = `${t.chatId}:${t.userId}`
    const existing = timers.get(key)
    if (existing) clearTimeout(existing)
    let chat = typing.get(t.chatId)
    if (t.isTyping) {
      if (!chat) {
        chat = new Map()
        typing.set(t.chatId, chat)
      }
      const ttl = typingTtlMs()
      chat.set(t.userId, Date.now() + ttl)
      timers.set(key, setTimeout(() => { stopTyping(t.chatId, t.userId) }, ttl))
    } else {
      stopTyping(t.chatId, t.userId)
    }
  }

  function stopTyping(chatId: number, userId: number): void {
    timers.delete(`${chatId}:${userId}`)
    const chat = typing.get(chatId)
    chat?.delete(userId)
    if (chat && chat.size === 0) typing.delete(chatId)
  }

  function typingIn(chatId: number): UserPublic[] {
    const chat = typing.get(chatId)
    if (!chat) return []
    return [...chat.keys()].map((id) => byId.get(id)).filter((u): u is UserPublic => u !== undefined)
  }

  function reset(): void {
    byId.clear()
    queued.clear()
    unknown.clear()
    typing.clear()
    for (const t of timers.values()) clearTimeout(t)
    timers.clear()
  }

  return { byId, typing, upsert, ensure, applyProfile, applyStatus, applyTyping, stopTyping, typingIn, reset }
})
