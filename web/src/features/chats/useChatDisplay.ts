// How a chat is named and pictured: a group by its own name, a private chat by the peer.
import { computed, type ComputedRef } from 'vue'
import type { ChatInfo, UserPublic } from '@/api/types'
import { useChatsStore } from '@/stores/chats'
import { useUsersStore } from '@/stores/users'

export interface ChatDisplay {
  title: string
  avatarUrl: string | null
  peer: UserPublic | null
  online: boolean
}

export function chatDisplay(chat: ChatInfo): ChatDisplay {
  const users = useUsersStore()
  const peerId = useChatsStore().peerOf(chat)
  const peer = peerId === null ? null : (users.byId.get(peerId) ?? null)
  if (chat.type === 'group') {
    return { title: chat.name ?? 'Group', avatarUrl: chat.avatarUrl, peer: null, online: false }
  }
  return {
    title: peer?.displayName ?? 'Saved messages',
    avatarUrl: peer?.avatarUrl ?? null,
    peer,
    online: peer?.status === 'online',
  }
}

export function useChatDisplay(chat: () => ChatInfo | undefined): ComputedRef<ChatDisplay | null> {
  return computed(() => {
    const c = chat()
    return c ? chatDisplay(c) : null
  })
}

/** "Alice is typing…", "Alice and Bob are typing…", "3 people are typing…". */
export function typingText(names: string[], group: boolean): string {
  if (names.length === 0) return ''
  if (!group) return 'typing…'
  if (names.length === 1) return `${names[0] ?? ''} is typing…`
  if (names.length === 2) return `${names[0] ?? ''} and ${names[1] ?? ''} are typing…`
  return `${names.length} people are typing…`
}
