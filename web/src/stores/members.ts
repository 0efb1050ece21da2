// A group's members, loaded when something needs them (the members panel, the @ picker,
// the header's "online" count), a page at a time, and kept current by `chat:members` and
// the read events. The chat list carries only the count: a user in 1,000 groups of 1,000
// would otherwise hold a million members.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import { api } from '@/api/http'
import type { Member, MembersChanged } from '@/api/types'
import { useUsersStore } from './users'

/** A page of members: the server's default, so a group of up to 100 is one request. */
export const MEMBER_PAGE = 100

const RANK: Record<Member['role'], number> = { owner: 0, admin: 1, member: 2 }

interface Loaded {
  byUser: Map<number, Member>
  /** Where the next page starts; null once every member is loaded. */
  cursor: string | null
  complete: boolean
}

export const useMembersStore = defineStore('members', () => {
  const lists = reactive(new Map<number, Loaded>())
  const loading = new Map<number, Promise<void>>()

  function remember(chatId: number, members: readonly Member[]): Loaded {
    if (!lists.has(chatId)) lists.set(chatId, { byUser: new Map(), cursor: null, complete: false })
    // The store's (reactive) copy, so that what follows is seen.
    const list = lists.get(chatId) as Loaded
    const users = useUsersStore()
    for (const m of members) {
      list.byUser.set(m.user.id, m)
      users.upsert(m.user)
    }
    return list
  }

  /** The members loaded so far, in the server's order: the owner, admins, members. */
  function of(chatId: number): Member[] {
    const list = lists.get(chatId)
    if (!list) return []
    return [...list.byUser.values()].sort((a, b) => RANK[a.role] - RANK[b.role] || a.user.id - b.user.id)
  }

  /** Every member is loaded (what counts of the whole group need). */
  function complete(chatId: number): boolean {
    return lists.get(chatId)?.complete ?? false
  }

  function hasMore(chatId: number): boolean {
    const list = lists.get(chatId)
    return list !== undefined && !list.complete
  }

  /** The first page, once per chat (again after `drop`); `more`: the next page too. */
  function load(chatId: number, more = false): Promise<void> {
    const list = lists.get(chatId)
    if (list && (!more || list.complete)) return Promise.resolve()
    const running = loading.get(chatId)
    if (running) return running
    const after = list?.cursor ?? null
    const task = (async () => {
      try {
        const page = await api.members(chatId, { after, limit: MEMBER_PAGE })
        const loaded = remember(chatId, page.members)
        loaded.cursor = page.nextCursor
        loaded.complete = page.nextCursor === null
      } finally {
        loading.delete(chatId)
      }
    })()
    loading.set(chatId, task)
    return task
  }

  /** Members whose names hold `q`, asked of the server (a group not fully loaded): they
   *  join the loaded ones, so the @ picker finds them among `of`. */
  async function search(chatId: number, q: string): Promise<void> {
    if (complete(chatId) || !q) return
    const page = await api.members(chatId, { q, limit: 20 })
    if (lists.has(chatId)) remember(chatId, page.members)
  }

  /** `chat:members`: who joined or changed role, who left. */
  function apply(changed: MembersChanged): void {
    const list = lists.get(changed.chatId)
    if (!list) return
    for (const id of changed.removedUserIds) list.byUser.delete(id)
    // A newcomer beyond the loaded pages is added anyway: the next page, keyed by user,
    // cannot show them twice.
    remember(changed.chatId, changed.members)
  }

  /** A member's read position moved on (`read:updated`, or their own message). */
  function applyRead(chatId: number, userId: number, seq: number): void {
    const member = lists.get(chatId)?.byUser.get(userId)
    if (member && member.lastReadSeq < seq) lists.get(chatId)?.byUser.set(userId, { ...member, lastReadSeq: seq })
  }

  function drop(chatId: number): void {
    lists.delete(chatId)
  }

  function reset(): void {
    lists.clear()
    loading.clear()
  }

  return { lists, of, complete, hasMore, load, search, apply, applyRead, drop, reset }
})
