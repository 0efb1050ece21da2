// The chat list: one entry per chat with its last message, unread count and pins, loaded a
// page at a time (docs/protocol.md "The chat list") and kept current by events, and cached
// locally so that a reload without the server still shows the list and the open chat (with
// the messages waiting in the outbox). Members are not here: stores/members.ts.
import { defineStore } from 'pinia'
import { computed, reactive, ref, watch } from 'vue'
import { api, ApiError } from '@/api/http'
import type { Chat, ChatInfo, ChatRemoved, ChatSettingsChanged, MembersChanged, Message, MessagesDeleted, PinUpdated, ReadUpdated } from '@/api/types'
import { load, save } from '@/lib/storage'
import { useAuthStore } from './auth'
import { useMembersStore } from './members'
import { peopleOf, useUsersStore } from './users'
import { compareChats, splitList } from './chatOrder'
import { CHAT_PAGE, useChatPages } from './chatPages'

export { CHAT_PAGE } from './chatPages'
// The cache's key names its shape: entries of an older shape (with member lists) are not
// read back.
const CACHE_KEY = 'chatList'

export const useChatsStore = defineStore('chats', () => {
  const byId = reactive(new Map<number, Chat>())
  const loaded = ref(false)
  /** The chat on screen (the route's; kept while that chat is gone, so that it comes
   *  back on screen if the user is added again). */
  const activeId = ref<number | null>(null)
  /** Chats this user was removed from or left, this session: what the chat's pane says. */
  const removals = reactive(new Map<number, ChatRemoved>())
  const pages = useChatPages(() => byId.values(), upsert)
  const { refreshTop } = pages
  // Until the first refresh (`loaded`), the list as last seen: shown, never trusted.
  for (const chat of load<Chat[]>(CACHE_KEY, [])) upsert(chat)
  // Chats are replaced whole, never mutated: watching the entries is enough.
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  watch(
    () => [...byId.values()],
    () => {
      clearTimeout(saveTimer)
      // 500 ms: a burst of events (a replay) is written once.
      saveTimer = setTimeout(() => { save(CACHE_KEY, byId.size > 0 ? [...byId.values()] : null) }, 500)
    },
  )

  /** Every loaded chat, archived ones too, in list order (pickers: forward to…). */
  const sorted = computed(() => [...byId.values()].sort(compareChats))
  /** The chat list (`main`) and the Archived folder (`archived`), pinned chats first. */
  const lists = computed(() => splitList(byId.values()))
  const totalUnread = computed(() => [...byId.values()].reduce((n, c) => n + c.unreadCount, 0) + pages.unreadBeyond.value)
  /** Archived chats, loaded or not: the "Archived chats" row's number. */
  const archivedCount = computed(() => lists.value.archived.length + pages.archivedBeyond.value)

  function meId(): number | null {
    return useAuthStore().user?.id ?? null
  }

  function upsert(chat: Chat): void {
    removals.delete(chat.id)
    byId.set(chat.id, chat)
    const users = useUsersStore()
    if (chat.peer) users.upsert(chat.peer)
    const messages = chat.lastMessage ? [chat.lastMessage, ...chat.pinnedMessages] : chat.pinnedMessages
    void users.ensure(messages.flatMap(peopleOf))
  }

  /** The list from its first page (sign-in, resync): later pages come with scrolling. The
   *  open chat stays, fetched alone when it is further down. */
  async function refresh(): Promise<void> {
    const page = await api.chats({ limit: CHAT_PAGE })
    const ids = new Set(page.chats.map((c) => c.id))
    const open = activeId.value
    const openChat = open !== null && !ids.has(open) ? await fetchChat(open) : null
    for (const id of [...byId.keys()]) if (!ids.has(id) && id !== openChat?.id) byId.delete(id)
    if (openChat) upsert(openChat)
    pages.nextCursor.value = page.nextCursor
    pages.take(page)
    loaded.value = true
  }

  async function fetchChat(id: number): Promise<Chat | null> {
    try {
      return await api.chat(id)
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return null
      throw e
    }
  }

  /** Chats being fetched alone (`ensure`): their pane says "loading", not "gone". */
  const fetching = reactive(new Set<number>())

  /** A chat opened by its address that is not loaded (further down the list). */
  async function ensure(chatId: number): Promise<void> {
    if (byId.has(chatId) || fetching.has(chatId)) return
    fetching.add(chatId)
    const chat = await fetchChat(chatId).catch(() => null)
    fetching.delete(chatId)
    if (!chat || byId.has(chatId)) return
    pages.fetchedAlone(chat)
    upsert(chat)
  }

  // The chat on screen is loaded even when the list has not reached it yet (a link, a
  // notification, a search result).
  watch([activeId, loaded], ([id, ready]) => {
    if (id !== null && ready && !byId.has(id) && !removals.has(id)) void ensure(id)
  })

  function applyInfo(info: ChatInfo): void {
    const chat = byId.get(info.id)
    if (chat) byId.set(info.id, { ...chat, ...info, peer: info.peer ?? chat.peer })
  }

  /** `chat:members`: the count, this user's own role, and the loaded member list. */
  function applyMembers(changed: MembersChanged): void {
    useMembersStore().apply(changed)
    const chat = byId.get(changed.chatId)
    if (!chat) return
    const mine = changed.members.find((m) => m.user.id === meId())
    byId.set(chat.id, { ...chat, memberCount: changed.memberCount, role: mine?.role ?? chat.role })
  }

  function remove(chatId: number): void {
    byId.delete(chatId)
    useMembersStore().drop(chatId)
  }

  /** The server says this user is no longer in the chat: forget it, and remember why. */
  function removed(removal: ChatRemoved): void {
    const chat = byId.get(removal.chatId)
    if (!chat) refreshTop() // it may have counted among the totals
    remove(removal.chatId)
    removals.set(removal.chatId, { ...removal, chatName: removal.chatName ?? chat?.name ?? null })
  }

  /** Whoever wrote a message (or did what a system message tells) has read up to it. */
  function readerOf(message: Message): number | null {
    if (message.senderId !== null) return message.senderId
    const actor = message.meta?.actorId
    return typeof actor === 'number' ? actor : null
  }

  /** A new message: preview, order and unread count. */
  function applyMessage(message: Message, seen: boolean): void {
    const chat = byId.get(message.chatId)
    void useUsersStore().ensure(peopleOf(message))
    if (!chat) {
      refreshTop()
      return
    }
    if (message.seq <= chat.lastSeq) {
      if (chat.lastMessage?.id === message.id) byId.set(chat.id, { ...chat, lastMessage: message })
      return
    }
    const me = meId()
    const mine = message.senderId === me
    // A mention of me, unseen: the "@" badge (the server counts the same way).
    const mentioned = !mine && !seen && message.mentions.includes(me ?? 0)
    const reader = readerOf(message)
    if (reader !== null) useMembersStore().applyRead(chat.id, reader, message.seq)
    byId.set(chat.id, {
      ...chat,
      unreadMentions: mine ? 0 : chat.unreadMentions + (mentioned ? 1 : 0),
      firstUnreadMentionSeq: mine ? null : (chat.firstUnreadMentionSeq ?? (mentioned ? message.seq : null)),
      // Sending reads everything up to one's own message: the server moved the position
      // without a word, and so does the client (no `message:read` round trip for it).
      lastReadSeq: mine ? Math.max(chat.lastReadSeq, message.seq) : chat.lastReadSeq,
      othersReadSeq: reader !== null && reader !== me ? Math.max(chat.othersReadSeq, message.seq) : chat.othersReadSeq,
      lastSeq: message.seq,
      lastMessage: message,
      unreadCount: mine ? 0 : seen ? chat.unreadCount : chat.unreadCount + 1,
    })
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
    if (!chat) {
      refreshTop() // the totals may count what was deleted
      return
    }
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
    // Not loaded: pinned (it belongs at the top) or archived (the folder's count) elsewhere.
    if (chat) byId.set(chat.id, { ...chat, settings: changed.settings })
    else refreshTop()
  }

  function applyRead(read: ReadUpdated): void {
    useMembersStore().applyRead(read.chatId, read.userId, read.seq)
    const chat = byId.get(read.chatId)
    const mine = read.userId === meId()
    if (!chat) {
      if (mine) refreshTop() // read on another device: the unread total went down
      return
    }
    const unread = mine ? Math.max(0, chat.lastSeq - read.seq) : chat.unreadCount
    // Read past a mention of me: none are left when read to the end, else the server counts.
    const first = chat.firstUnreadMentionSeq
    const mentionRead = mine && first !== null && read.seq >= first
    const allRead = mentionRead && read.seq >= chat.lastSeq
    byId.set(chat.id, {
      ...chat,
      lastReadSeq: mine ? Math.max(chat.lastReadSeq, read.seq) : chat.lastReadSeq,
      othersReadSeq: mine ? chat.othersReadSeq : Math.max(chat.othersReadSeq, read.seq),
      unreadCount: Math.min(chat.unreadCount, unread),
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
    return chat.type === 'private' ? (chat.peer?.id ?? null) : null
  }

  /** The furthest any other member has read (for "read" ticks on own messages). */
  function readByOthers(chatId: number): number {
    return byId.get(chatId)?.othersReadSeq ?? 0
  }

  function reset(): void {
    byId.clear()
    removals.clear()
    loaded.value = false
    activeId.value = null
    pages.reset()
  }

  return {
    byId, removals, loaded, activeId, fetching, sorted, lists, totalUnread, archivedCount, hasMore: pages.hasMore,
    refresh, loadMore: pages.loadMore, ensure, upsert, applyInfo, applyMembers, remove, removed, applyMessage, applyEdited, applyDeleted, applySettings, applyRead, applyPin, peerOf, readByOthers, reset,
  }
})
