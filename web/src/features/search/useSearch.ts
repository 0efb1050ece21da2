// Searching as the user types: debounced, from 2 characters (one letter matches half the
// history), newest first, "more" pages with `before`. A late answer to an older query is
// dropped. With `chatId`, only that chat's messages; without, the first page also names the
// chats and people that match.
import { ref, watch, type Ref } from 'vue'
import { api, ApiError } from '@/api/http'
import type { ChatInfo, SearchResult, UserPublic } from '@/api/types'
import { useChatsStore } from '@/stores/chats'
import { peopleOf, useUsersStore } from '@/stores/users'
import { t } from '@/i18n'

export const MIN_QUERY = 2
// 300 ms: a request per pause in typing, not per keystroke.
export const DEBOUNCE_MS = 300

export function useSearch(query: Ref<string>, chatId?: () => number | undefined) {
  const results = ref<SearchResult[]>([])
  const chats = ref<ChatInfo[]>([])
  const users = ref<UserPublic[]>([])
  const hasMore = ref(false)
  const loading = ref(false)
  const error = ref<string | null>(null)
  /** The query the shown results answer ('' before any). */
  const answered = ref('')
  let timer: ReturnType<typeof setTimeout> | undefined
  let generation = 0

  function clear(): void {
    results.value = []
    chats.value = []
    users.value = []
    hasMore.value = false
    answered.value = ''
  }

  async function fetchPage(q: string, before?: number): Promise<void> {
    const mine = ++generation
    loading.value = true
    error.value = null
    try {
      const page = await api.search(q, { chatId: chatId?.(), before })
      if (mine !== generation) return
      // Results may come from chats further down the list than loaded, from people whose
      // names are not known yet: both are fetched (a chat each, the people at once).
      const known = useChatsStore()
      for (const id of new Set(page.results.map((r) => r.chatId))) void known.ensure(id)
      void useUsersStore().ensure(page.results.flatMap((r) => peopleOf(r.message)))
      results.value = before === undefined ? page.results : [...results.value, ...page.results]
      if (before === undefined) {
        chats.value = page.chats
        users.value = page.users
      }
      hasMore.value = page.hasMore
      answered.value = q
    } catch (e) {
      if (mine === generation) error.value = e instanceof ApiError ? e.message : t('search.failed')
    } finally {
      if (mine === generation) loading.value = false
    }
  }

  watch(query, (value) => {
    clearTimeout(timer)
    const q = value.trim()
    generation++
    loading.value = false
    if (q.length < MIN_QUERY) {
      clear()
      return
    }
    timer = setTimeout(() => { void fetchPage(q) }, DEBOUNCE_MS)
  }, { immediate: true }) // The list opens with the first characters already typed.

  /** The next (older) page of messages. */
  async function more(): Promise<void> {
    const last = results.value[results.value.length - 1]
    if (!hasMore.value || loading.value || !last) return
    await fetchPage(answered.value, last.message.id)
  }

  return { results, chats, users, hasMore, loading, error, answered, more, clear }
}
