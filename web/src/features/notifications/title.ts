// The unread count in the tab title: "(3) Shomik".
import { watchEffect } from 'vue'
import { useChatsStore } from '@/stores/chats'

export function useTitleBadge(): void {
  const chats = useChatsStore()
  watchEffect(() => {
    const n = chats.totalUnread
    document.title = n > 0 ? `(${n}) Shomik` : 'Shomik'
  })
}
