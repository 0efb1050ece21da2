// The people this user blocked: loaded with the state, kept current by `block:updated`
// (from any of the user's devices). The profile panel, the composer of a private chat and
// Settings → Privacy read it.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api } from '@/api/http'
import type { BlockUpdated, UserPublic } from '@/api/types'
import { useUsersStore } from './users'

export const useBlocksStore = defineStore('blocks', () => {
  /** Newest block first, as the server lists them. */
  const list = ref<UserPublic[]>([])
  const ids = computed(() => new Set(list.value.map((u) => u.id)))

  function isBlocked(userId: number | null | undefined): boolean {
    return userId !== null && userId !== undefined && ids.value.has(userId)
  }

  async function refresh(): Promise<void> {
    const { users } = await api.blockedUsers()
    list.value = users
    const known = useUsersStore()
    for (const user of users) known.upsert(user)
  }

  function apply(change: BlockUpdated): void {
    if (!change.blocked) {
      list.value = list.value.filter((u) => u.id !== change.userId)
      return
    }
    if (ids.value.has(change.userId)) return
    const user = useUsersStore().byId.get(change.userId)
    // Someone this device never saw: the list says who once it is fetched.
    if (user) list.value = [user, ...list.value]
    else void refresh()
  }

  async function block(userId: number): Promise<void> {
    await api.block(userId)
    apply({ userId, blocked: true })
  }

  async function unblock(userId: number): Promise<void> {
    await api.unblock(userId)
    apply({ userId, blocked: false })
  }

  function reset(): void {
    list.value = []
  }

  return { list, isBlocked, refresh, apply, block, unblock, reset }
})
