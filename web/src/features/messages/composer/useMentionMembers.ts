// Who the @ picker offers in a group: its members as loaded (the first hundred when the
// chat opens); in a bigger group the server is asked for the rest by name while typing,
// and those it finds join the loaded ones.
import { watch, type Ref } from 'vue'
import type { UserPublic } from '@/api/types'
import { useChatsStore } from '@/stores/chats'
import { useMembersStore } from '@/stores/members'

// 200 ms: one request per pause in typing a name, not per letter.
const SEARCH_DEBOUNCE_MS = 200

export function useMentionMembers(chatId: () => number, query: Ref<string | undefined>): () => readonly UserPublic[] {
  const chats = useChatsStore()
  const members = useMembersStore()
  const isGroup = (): boolean => chats.byId.get(chatId())?.type === 'group'

  watch(chatId, (id) => { if (isGroup()) members.load(id).catch(() => undefined) }, { immediate: true })

  let timer: ReturnType<typeof setTimeout> | undefined
  watch(query, (q) => {
    clearTimeout(timer)
    const id = chatId()
    if (!q || !isGroup() || members.complete(id)) return
    timer = setTimeout(() => { members.search(id, q).catch(() => undefined) }, SEARCH_DEBOUNCE_MS)
  })

  return () => (isGroup() ? members.of(chatId()).map((m) => m.user) : [])
}
