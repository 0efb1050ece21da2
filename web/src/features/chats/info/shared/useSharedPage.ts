// One kind of a chat's shared items (GET /api/chats/{id}/shared), newest first, a page at a
// time: the first page at once, the next ones on "Show more".
import { ref, type Ref } from 'vue'
import { api, errorText } from '@/api/http'
import type { Message, SharedKind } from '@/api/types'
import { t } from '@/i18n'

// 30: ten rows of the three-column photo grid, and a screen and a half of files or links.
export const SHARED_PAGE = 30

export interface SharedPageState {
  items: Ref<Message[]>
  hasMore: Ref<boolean>
  loading: Ref<boolean>
  /** Whether the first page has come (an empty list then means "nothing shared"). */
  loaded: Ref<boolean>
  error: Ref<string | null>
  more: () => Promise<void>
}

export function useSharedPage(chatId: number, kind: SharedKind): SharedPageState {
  const items = ref<Message[]>([])
  const hasMore = ref(false)
  const loading = ref(false)
  const loaded = ref(false)
  const error = ref<string | null>(null)

  async function more(): Promise<void> {
    if (loading.value) return
    loading.value = true
    error.value = null
    try {
      const last = items.value[items.value.length - 1]
      const page = await api.shared(chatId, kind, { before: last?.seq, limit: SHARED_PAGE })
      items.value = [...items.value, ...page.items]
      hasMore.value = page.hasMore
      loaded.value = true
    } catch (e) {
      error.value = errorText(e, t('panels.couldNotLoad'))
    } finally {
      loading.value = false
    }
  }

  void more()
  return { items, hasMore, loading, loaded, error, more }
}
