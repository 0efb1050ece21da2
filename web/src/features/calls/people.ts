// Names and avatars of the people in a call, from the stores the chat list already fills.
import type { UserPublic } from '@/api/types'
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
  const find = (chatId: number, userId: number): UserPublic | undefined =>
    users.byId.get(userId) ?? chats.byId.get(chatId)?.members.find((m) => m.user.id === userId)?.user
  return {
    person(chatId, userId) {
      const user = find(chatId, userId)
      return { id: userId, name: user?.displayName ?? t('common.someone'), avatarUrl: user?.avatarUrl ?? null }
    },
    /** A group's name, or the other person's name in a private chat. */
    chatTitle(chatId, me) {
      const chat = chats.byId.get(chatId)
      if (!chat) return t('calls.call')
      if (chat.type === 'group') return chat.name ?? t('common.group')
      const other = chat.members.find((m) => m.user.id !== me)?.user
      return other ? (users.byId.get(other.id)?.displayName ?? other.displayName) : t('calls.call')
    },
  }
}
