// Everyone we know of (chat members, search results), with live status and typing.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { TypingUpdate, UserProfile, UserPublic, UserStatus } from '@/api/types'
import { setting } from '@/realtime/state'

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

  function upsert(user: UserPublic): void {
    byId.set(user.id, { ...byId.get(user.id), ...user })
  }

  /** Name and avatar (`user:updated`): the presence we know stays as it is. */
  function applyProfile(profile: UserProfile): void {
    const known = byId.get(profile.id)
    byId.set(profile.id, { status: null, lastSeen: null, ...known, ...profile })
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
    typing.clear()
    for (const t of timers.values()) clearTimeout(t)
    timers.clear()
  }

  return { byId, typing, upsert, applyProfile, applyStatus, applyTyping, stopTyping, typingIn, reset }
})
