// The chat list's pages (docs/protocol.md §7.0), for the chats store: where the next page
// starts, and what the chats not loaded yet add to the totals (the server's totals of the
// last page minus what the loaded chats hold, which events keep current).
import { computed, ref, type ComputedRef, type Ref } from 'vue'
import { api } from '@/api/http'
import type { Chat, ChatList } from '@/api/types'

/** Chats per page: a screenful and more. */
export const CHAT_PAGE = 50

export interface ChatPages {
  /** Where the next page starts; null when every chat is loaded. */
  nextCursor: Ref<string | null>
  hasMore: ComputedRef<boolean>
  unreadBeyond: Ref<number>
  archivedBeyond: Ref<number>
  /** Take a page in, and what it says of the chats not loaded. */
  take: (page: ChatList) => void
  /** The next page (scrolling down, or the Archived folder filling up). */
  loadMore: () => Promise<void>
  /** The first page again: after an event about a chat not loaded. */
  refreshTop: () => void
  /** A chat fetched alone was among those counted beyond the loaded ones. */
  fetchedAlone: (chat: Chat) => void
  reset: () => void
}

export function useChatPages(loaded: () => Iterable<Chat>, upsert: (chat: Chat) => void): ChatPages {
  const nextCursor = ref<string | null>(null)
  const unreadBeyond = ref(0)
  const archivedBeyond = ref(0)
  let loadingMore: Promise<void> | null = null

  function take(page: ChatList): void {
    for (const chat of page.chats) upsert(chat)
    const all = [...loaded()]
    unreadBeyond.value = Math.max(0, page.unreadTotal - all.reduce((n, c) => n + c.unreadCount, 0))
    archivedBeyond.value = Math.max(0, page.archivedCount - all.filter((c) => c.settings.archived).length)
  }

  function loadMore(): Promise<void> {
    const cursor = nextCursor.value
    if (cursor === null) return Promise.resolve()
    loadingMore ??= (async () => {
      try {
        const page = await api.chats({ cursor, limit: CHAT_PAGE })
        // A refresh meanwhile started the list over: its cursor stands.
        if (nextCursor.value === cursor) nextCursor.value = page.nextCursor
        take(page)
      } finally {
        loadingMore = null
      }
    })()
    return loadingMore
  }

  // An event about a chat not loaded (a message in a chat further down, a setting changed
  // on another device): the first page again. The chat a message moved is on it now, and
  // the totals are the server's again. One request at a time; a burst makes one more.
  let topRunning = false
  let topAgain = false
  // Read through a call: set by other calls while this one awaits.
  const askedAgain = (): boolean => topAgain
  function refreshTop(): void {
    if (topRunning) {
      topAgain = true
      return
    }
    topRunning = true
    void (async () => {
      try {
        do {
          topAgain = false
          take(await api.chats({ limit: CHAT_PAGE }))
        } while (askedAgain())
      } catch {
        // Offline: the next resync says what is true.
      } finally {
        topRunning = false
      }
    })()
  }

  function fetchedAlone(chat: Chat): void {
    unreadBeyond.value = Math.max(0, unreadBeyond.value - chat.unreadCount)
    if (chat.settings.archived) archivedBeyond.value = Math.max(0, archivedBeyond.value - 1)
  }

  function reset(): void {
    nextCursor.value = null
    unreadBeyond.value = 0
    archivedBeyond.value = 0
  }

  return {
    nextCursor, hasMore: computed(() => nextCursor.value !== null), unreadBeyond, archivedBeyond,
    take, loadMore, refreshTop, fetchedAlone, reset,
  }
}
