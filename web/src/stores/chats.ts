// The chat list: one entry per chat with its last message, unread count and pins,
// kept current by events, and cached locally so that a reload without the server still
// shows the list and the open chat (with the messages waiting in the outbox).
import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import { api } from '@/api/http'
import type { Chat, ChatInfo, ChatRemoved, ChatSettingsChanged, Message, MessagesDeleted, PinUpdated, ReadUpdated } from '@/api/types'
import { load, save } from '@/lib/storage'
import { useAuthStore } from './auth'
import { useUsersStore } from './users'
import { compareChats, splitList } from './chatOrder'

export const useChatsStore = defineStore('chats', () => {
  const byId = reactive(new Map<number, Chat>())
  const loaded = ref(false)
  /** The chat on screen (the route's; kept while that chat is gone, so that it comes
   *  back on screen if the user is added again). */
  const activeId = ref<number | null>(null)
  /** Chats this user was removed from or left, this session: what the chat's pane says. */
  const removals = reactive(new Map<number, ChatRemoved>())
  // Until the first refresh (`loaded`), the list as last seen: shown, never trusted.
  for (const chat of load<Chat[]>('chats', [])) upsert(chat)
  // Chats are replaced whole, never mutated: watching the entries is enough.
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  watch(
    () => [...byId.values()],
    () => {
      clearTimeout(saveTimer)
      // 500 ms: a burst of events (a replay) is written once.
      saveTimer = setTimeout(() => { save('chats', byId.size > 0 ? [...byId.values()] : null) }, 500)
    },
  )

  /** Every chat, archived ones too, in list order (pickers: forward to…). */
  const sorted = computed(() => [...byId.values()].sort(compareChats))
  /** The chat list (`main`) and the Archived folder (`archived`), pinned chats first. */
  const lists = computed(() => splitList(byId.values()))
  const totalUnread = computed(() => [...byId.values()].reduce((n, c) => n + c.unreadCount, 0))

  function meId(): number | null {
    return useAuthStore().user?.id ?? null
  }

  function rememberMembers(info: ChatInfo): void {
    const users = useUsersStore()
    for (const m of info.members) users.upsert(m.user)
  }

  function upsert(chat: Chat): void {
    removals.delete(chat.id)
    byId.set(chat.id, chat)
    rememberMembers(chat)
  }

  async function refresh(): Promise<void> {
    const { chats } = await api.chats()
    const ids = new Set(chats.map((c) => c.id))
    for (const id of [...byId.keys()]) if (!ids.has(id)) byId.delete(id)
    for (const chat of chats) upsert(chat)
    loaded.value = true
  }

  function applyInfo(info: ChatInfo): void {
    const chat = byId.get(info.id)
    rememberMembers(info)
    if (chat) byId.set(info.id, { ...chat, ...info })
  }

  function remove(chatId: number): void {
    byId.delete(chatId)
  }

  /** The server says this user is no longer in the chat: forget it, and remember why. */
  function removed(removal: ChatRemoved): void {
    const chat = byId.get(removal.chatId)
    remove(removal.chatId)
    removals.set(removal.chatId, { ...removal, chatName: removal.chatName ?? chat?.name ?? null })
  }

  /** A new message: preview, order and unread count. */
  function applyMessage(message: Message, seen: boolean): void {
    const chat = byId.get(message.chatId)
    if (!chat || message.seq <= chat.lastSeq) {
      if (chat && chat.lastMessage?.id === message.id) byId.set(chat.id, { ...chat, lastMessage: message })
      return
    }
    const mine = message.senderId === meId()
    // A mention of me, unseen: the "@" badge (the server counts the same way).
    const mentioned = !mine && !seen && message.mentions.includes(meId() ?? 0)
    byId.set(chat.id, {
      ...chat,
      unreadMentions: mine ? 0 : chat.unreadMentions + (mentioned ? 1 : 0),
      firstUnreadMentionSeq: mine ? null : (chat.firstUnreadMentionSeq ?? (mentioned ? message.seq : null)),
      // Sending reads everything up to one's own message: the server moved the position
      // without a word, and so does the client (no `message:read` round trip for it).
      members: mine ? chat.members.map((m) => (m.user.id === message.senderId ? readUpTo(m, message.seq) : m)) : chat.members,
      lastSeq: message.seq,
      lastMessage: message,
      unreadCount: mine ? 0 : seen ? chat.unreadCount : chat.unreadCount + 1,
    })
  }

  function readUpTo<M extends { lastReadSeq: number }>(member: M, seq: number): M {
    return member.lastReadSeq < seq ? { ...member, lastReadSeq: seq } : member
  }

  /** An edited message: the preview and the pinned bar show the new text. */
  function applyEdited(message: Message): void {
    const chat = byId.get(message.chatId)
    if (!chat) return
    byId.set(chat.id, {
      ...chat,
      lastMessage: chat.lastMessage?.id === message.id ? message : chat.lastMessage,
      pinnedMessages: chat.pinnedMessages.map((m) => (m.id === message.id ? message : m)),
    })
  }

  /** Messages deleted (for everyone or for this user): unpinned here at once; the
   *  preview and the counts are the server's to say (what is left to show, what is left
   *  unread), so the chat is fetched again when they could have changed. */
  async function applyDeleted(deleted: MessagesDeleted): Promise<void> {
    const chat = byId.get(deleted.chatId)
    if (!chat) return
    const gone = new Set(deleted.messageIds)
    byId.set(chat.id, { ...chat, pinnedMessages: chat.pinnedMessages.filter((m) => !gone.has(m.id)) })
    const touched = (chat.lastMessage && gone.has(chat.lastMessage.id)) || chat.unreadCount > 0 || chat.unreadMentions > 0
    if (!touched) return
    try {
      const fresh = await api.chat(chat.id)
      if (byId.has(chat.id)) upsert(fresh)
    } catch {
      // Gone meanwhile, or offline: the next resync says what is true.
    }
  }

  function applySettings(changed: ChatSettingsChanged): void {
    const chat = byId.get(changed.chatId)
    if (chat) byId.set(chat.id, { ...chat, settings: changed.settings })
  }

  function applyRead(read: ReadUpdated): void {
    const chat = byId.get(read.chatId)
    if (!chat) return
    const members = chat.members.map((m) =>
      m.user.id === read.userId && m.lastReadSeq < read.seq ? { ...m, lastReadSeq: read.seq } : m,
    )
    const unread = read.userId === meId() ? Math.max(0, chat.lastSeq - read.seq) : chat.unreadCount
    // Read past a mention of me: none are left when read to the end, else the server counts.
    const first = chat.firstUnreadMentionSeq
    const mentionRead = read.userId === meId() && first !== null && read.seq >= first
    const allRead = mentionRead && read.seq >= chat.lastSeq
    byId.set(chat.id, {
      ...chat, members, unreadCount: Math.min(chat.unreadCount, unread),
      ...(allRead ? { unreadMentions: 0, firstUnreadMentionSeq: null } : {}),
    })
    if (mentionRead && !allRead) void recount(chat.id)
  }

  /** The unread and mention counts as the server has them (after a partial read). */
  async function recount(chatId: number): Promise<void> {
    try {
      const fresh = await api.chat(chatId)
      const chat = byId.get(chatId)
      if (chat) byId.set(chatId, { ...chat, unreadCount: fresh.unreadCount, unreadMentions: fresh.unreadMentions, firstUnreadMentionSeq: fresh.firstUnreadMentionSeq })
    } catch {
      // Offline: the next resync says what is true.
    }
  }

  function applyPin(pin: PinUpdated): void {
    const chat = byId.get(pin.chatId)
    if (!chat) return
    const others = chat.pinnedMessages.filter((m) => m.id !== pin.messageId)
    const pinned = pin.pinned && pin.message ? [...others, pin.message].sort((a, b) => a.seq - b.seq) : others
    byId.set(chat.id, { ...chat, pinnedMessages: pinned })
  }

  /** What the other side of a private chat is; null for groups. */
  function peerOf(chat: ChatInfo): number | null {
    if (chat.type !== 'private') return null
    const me = meId()
    return chat.members.find((m) => m.user.id !== me)?.user.id ?? null
  }

  /** The highest seq every other member has read (for "read" ticks on own messages). */
  function readByOthers(chatId: number): number {
    const chat = byId.get(chatId)
    if (!chat) return 0
    const me = meId()
    const others = chat.members.filter((m) => m.user.id !== me)
    return others.length === 0 ? 0 : Math.max(...others.map((m) => m.lastReadSeq))
  }

  function reset(): void {
    byId.clear()
    removals.clear()
    loaded.value = false
    activeId.value = null
  }

  return {
    byId, removals, loaded, activeId, sorted, lists, totalUnread,
    refresh, upsert, applyInfo, remove, removed, applyMessage, applyEdited, applyDeleted, applySettings, applyRead, applyPin, peerOf, readByOthers, reset,
  }
})
