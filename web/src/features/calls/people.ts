// Names and avatars of the people in a call: from the users store, asking the server for
// whoever it does not know yet (a group's members are not loaded with the chat list).
import { useChatsStore } from '@/stores/chats'
import { useUsersStore } from '@/stores/users'
import { t } from '@/i18n'

export interface Person {
  id: number
  name: string
  avatarUrl: string | null
}

export function usePeople(): { person(chatId: number, userId: number): Person; chatTitle(chatId: number, me: number): string } {
  const users = useUsersStore()
  const chats = useChatsStore()
  return {
    person(_chatId, userId) {
      const user = users.byId.get(userId)
      if (!user) void users.ensure([userId])
      return { id: userId, name: user?.displayName ?? t('common.someone'), avatarUrl: user?.avatarUrl ?? null }
    },
    /** A group's name, or the other person's name in a private chat. */
    chatTitle(chatId, me) {
      const chat = chats.byId.get(chatId)
      if (!chat) return t('calls.call')
      if (chat.type === 'group') return chat.name ?? t('common.group')
      const other = chat.peer
      return other && other.id !== me ? (users.byId.get(other.id)?.displayName ?? other.displayName) : t('calls.call')
    },
  }
}
