// How a chat is named and pictured: a group by its own name, a private chat by the peer.
import { computed, type ComputedRef } from 'vue'
import type { ChatInfo, UserPublic } from '@/api/types'
import { connection, syncing } from '@/realtime/sync'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useMembersStore } from '@/stores/members'
import { useUsersStore } from '@/stores/users'
import { t } from '@/i18n'
import { isolate } from '@/lib/bidi'

export interface ChatDisplay {
  title: string
  avatarUrl: string | null
  /** The avatar colour's seed (lib/peerColor.ts): the peer's user id in a private chat, so
   *  that a person has one colour on every screen, and the chat id for a group. */
  avatarSeed: number
  peer: UserPublic | null
  online: boolean
}

/** Presence and typing are only known while the socket is up: once it drops, what we last
 *  heard may be long stale, so nobody shows as online (or typing) until it is back. */
export const live = computed(() => connection.value === 'ready')

/** What the app is waiting for, shown in place of titles and statuses as Telegram does;
 *  null when live and up to date. */
export const connectionStatus = computed<string | null>(() => {
  if (connection.value === 'offline') return t('chats.waitingForNetwork')
  if (connection.value !== 'ready') return t('chats.connecting')
  if (syncing.value) return t('chats.updating')
  return null
})

/** Whether this user shows as online: their status, while it is current. */
export function isOnline(user: UserPublic | null | undefined): boolean {
  return live.value && user?.status === 'online'
}

export function chatDisplay(chat: ChatInfo): ChatDisplay {
  const users = useUsersStore()
  const peerId = useChatsStore().peerOf(chat)
  // The users store has the live presence; the chat's copy is as of its loading.
  const peer = peerId === null ? null : (users.byId.get(peerId) ?? chat.peer)
  if (chat.type === 'group') {
    return { title: chat.name ?? t('common.group'), avatarUrl: chat.avatarUrl, avatarSeed: chat.id, peer: null, online: false }
  }
  return {
    title: peer?.displayName ?? t('chats.savedMessages'),
    avatarUrl: peer?.avatarUrl ?? null,
    // Saved messages has no other member: its only member is the user.
    avatarSeed: peerId ?? useAuthStore().user?.id ?? chat.id,
    peer,
    online: isOnline(peer),
  }
}

/** "12 members", or "12 members, 3 online" once every member is loaded (a group of up to
 *  100 is one page, loaded when it opens; a bigger one shows its count alone rather than
 *  the online among the first hundred). */
export function membersLine(chat: ChatInfo, online: (userId: number) => boolean): string {
  const n = chat.memberCount
  const members = t('chats.members', { n }, n)
  const store = useMembersStore()
  if (!store.complete(chat.id)) return members
  const count = store.of(chat.id).filter((m) => online(m.user.id)).length
  return count > 0 ? t('chats.membersOnline', { members, online: count }) : members
}

export function useChatDisplay(chat: () => ChatInfo | undefined): ComputedRef<ChatDisplay | null> {
  return computed(() => {
    const c = chat()
    return c ? chatDisplay(c) : null
  })
}

/** "Alice is typing…", "Alice and Bob are typing…", "3 people are typing…"; the names
 *  isolated (lib/bidi.ts): show it with BidiText. */
export function typingText(names: string[], group: boolean): string {
  if (names.length === 0) return ''
  if (!group) return t('chats.typing')
  if (names.length === 1) return t('chats.typingOne', { name: isolate(names[0] ?? '') })
  if (names.length === 2) return t('chats.typingTwo', { a: isolate(names[0] ?? ''), b: isolate(names[1] ?? '') })
  return t('chats.typingMany', { n: names.length }, names.length)
}
