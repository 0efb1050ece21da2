// Loaded history per chat: a contiguous run of messages by seq, newest page first, older
// pages on demand. Every message is kept once, by id; a copy that arrives twice (the ack
// and the event, or a replay) replaces the first.
import { defineStore } from 'pinia'
import { reactive, shallowReactive } from 'vue'
import { api } from '@/api/http'
import { setting } from '@/realtime/state'
import type { Message, ReactionUpdated } from '@/api/types'
import { peopleOf, useUsersStore } from './users'

/** A page of history, with the names of the people it names asked for: a group's members
 *  are not loaded with the chat list (stores/users.ts `ensure`). */
async function history(...args: Parameters<typeof api.history>): ReturnType<typeof api.history> {
  const page = await api.history(...args)
  void useUsersStore().ensure(page.messages.flatMap(peopleOf))
  return page
}

/** A history page: the server's size (ready config), so a page is one query there. */
function pageSize(): number {
  return setting('historyPageSize')
}

export interface Timeline {
  messages: Message[] // ascending by seq, no gaps from the oldest loaded to the newest
  hasOlder: boolean
  loadingOlder: boolean
  /** A window opened around an old message (search, a mention): newer messages exist past
   *  it; they are paged in (loadNewer) or the window is left for the latest (loadLatest). */
  hasNewer: boolean
  loadingNewer: boolean
  /** False while a page of the newest messages has not been fetched yet. */
  ready: boolean
}

function insertSorted(list: Message[], message: Message): void {
  const existing = list.findIndex((m) => m.id === message.id)
  if (existing >= 0) {
    list[existing] = message
    return
  }
  let i = list.length
  while (i > 0 && (list[i - 1]?.seq ?? 0) > message.seq) i--
  list.splice(i, 0, message)
}

export const useMessagesStore = defineStore('messages', () => {
  const timelines = reactive(new Map<number, Timeline>())
  const inflight = new Map<number, Promise<void>>()
  // Bumped when a chat's window is replaced: a page fetched for the old window is dropped.
  const epochs = new Map<number, number>()
  const bump = (chatId: number): number => {
    const e = (epochs.get(chatId) ?? 0) + 1
    epochs.set(chatId, e)
    return e
  }

  /** Whether a page fetched from the end `from` still extends that end, now `now`. The
   *  epoch alone is not enough: a page asked for while a jump's window was on its way took
   *  the jump's epoch, yet was asked from the end of the window the jump replaced. */
  function stillExtends(chatId: number, epoch: number | undefined, from: Message, now: Message | undefined): boolean {
    return epochs.get(chatId) === epoch && now?.id === from.id
  }

  function timeline(chatId: number): Timeline {
    let t = timelines.get(chatId)
    if (!t) {
      timelines.set(chatId, shallowReactive({ messages: shallowReactive([]), hasOlder: false, loadingOlder: false, hasNewer: false, loadingNewer: false, ready: false }))
      t = timelines.get(chatId)
    }
    return t as Timeline
  }

  /** Fetch the newest page (on open, and after a resync). */
  function loadLatest(chatId: number): Promise<void> {
    const running = inflight.get(chatId)
    if (running) return running
    const epoch = bump(chatId)
    // Made now, not when the page is in: messages that come meanwhile wait for it (receive).
    timeline(chatId)
    const job = (async () => {
      const page = await history(chatId, { limit: pageSize() })
      // Looked up again: a resync may have replaced it meanwhile.
      const t = timeline(chatId)
      // A window opened meanwhile (a jump) wins over the latest page.
      if (epochs.get(chatId) !== epoch) return
      // Shallow: messages are replaced whole, never mutated in place.
      t.messages = shallowReactive(page.messages)
      t.hasOlder = page.hasMore
      t.hasNewer = false
      t.ready = true
    })().finally(() => inflight.delete(chatId))
    inflight.set(chatId, job)
    return job
  }

  /** Fetch the page before the oldest loaded message; `limit` larger to reach a target. */
  async function loadOlder(chatId: number, limit = pageSize()): Promise<number> {
    const t = timeline(chatId)
    const oldest = t.messages[0]
    if (!t.hasOlder || t.loadingOlder || !oldest) return 0
    t.loadingOlder = true
    const epoch = epochs.get(chatId)
    try {
      const page = await history(chatId, { before: oldest.seq, limit: Math.min(100, limit) })
      if (!stillExtends(chatId, epoch, oldest, t.messages[0])) return 0
      const known = new Set(t.messages.map((m) => m.id))
      const fresh = page.messages.filter((m) => !known.has(m.id))
      t.messages = shallowReactive([...fresh, ...t.messages])
      t.hasOlder = page.hasMore
      return fresh.length
    } finally {
      t.loadingOlder = false
    }
  }

  /** Replace the loaded messages with the page around `seq`, however old it is. */
  async function loadAround(chatId: number, seq: number): Promise<void> {
    const epoch = bump(chatId)
    const page = await history(chatId, { around: seq, limit: pageSize() })
    if (epochs.get(chatId) !== epoch) return
    const t = timeline(chatId)
    t.messages = shallowReactive(page.messages)
    t.hasOlder = page.hasMore
    t.hasNewer = page.hasNewer ?? false
    t.ready = true
  }

  /** The page after the newest loaded message, in a window opened by loadAround. */
  async function loadNewer(chatId: number): Promise<number> {
    const t = timeline(chatId)
    const newest = t.messages[t.messages.length - 1]
    if (!t.hasNewer || t.loadingNewer || !newest) return 0
    t.loadingNewer = true
    const epoch = epochs.get(chatId)
    try {
      const page = await history(chatId, { after: newest.seq, limit: pageSize() })
      if (!stillExtends(chatId, epoch, newest, t.messages[t.messages.length - 1])) return 0
      const known = new Set(t.messages.map((m) => m.id))
      const fresh = page.messages.filter((m) => !known.has(m.id))
      t.messages = shallowReactive([...t.messages, ...fresh])
      // With `after`, hasMore tells of newer messages.
      t.hasNewer = page.hasMore
      return fresh.length
    } finally {
      t.loadingNewer = false
    }
  }

  /** Make `seq` loaded: older pages when it is near, else a window around it. */
  async function show(chatId: number, seq: number): Promise<boolean> {
    const t = timeline(chatId)
    if (t.messages.some((m) => m.seq === seq)) return true
    const oldest = t.messages[0]
    // Within two pages of a contiguous run: keep it contiguous (scrolling down just works).
    if (t.ready && oldest && seq < oldest.seq && oldest.seq - seq <= 2 * pageSize()) return reach(chatId, seq)
    await loadAround(chatId, seq)
    return t.messages.some((m) => m.seq === seq)
  }

  /** Load older pages until `seq` is loaded; false if it is not in the history. */
  async function reach(chatId: number, seq: number): Promise<boolean> {
    const t = timeline(chatId)
    if (!t.ready) await loadLatest(chatId)
    while ((t.messages[0]?.seq ?? 0) > seq && t.hasOlder) {
      const missing = (t.messages[0]?.seq ?? 0) - seq
      if ((await loadOlder(chatId, missing + 10)) === 0) break
    }
    return t.messages.some((m) => m.seq === seq)
  }

  /** Place `message` again once the page of the latest on its way is in: that page may have
   *  been read before the message was stored. Without a load on its way, the next load reads
   *  it. (A failed load drops it too: the chat's next load reads it.) */
  function afterLoad(message: Message): void {
    void inflight.get(message.chatId)?.then(() => { receive(message) }, () => undefined)
  }

  /** A stored message (event, ack or replay): placed once, by id. */
  function receive(message: Message): void {
    const t = timelines.get(message.chatId)
    // A chat never opened keeps no timeline; its newest page is fetched on open.
    if (!t) return
    // Opening: the first page is on its way.
    if (!t.ready) {
      afterLoad(message)
      return
    }
    // A window on old messages: a new message is past it (paged in when scrolled to), but a
    // copy of one in the window (an ack) still replaces it.
    if (t.hasNewer) {
      const i = t.messages.findIndex((m) => m.id === message.id)
      if (i >= 0) t.messages[i] = message
      // Leaving the window for the latest page (a send from it).
      else afterLoad(message)
      return
    }
    const newest = t.messages[t.messages.length - 1]
    // A gap (missed while the page was not loaded) is closed by refetching, not guessed.
    if (newest && message.seq > newest.seq + 1) {
      t.ready = false
      void loadLatest(message.chatId)
      return
    }
    insertSorted(t.messages, message)
  }

  /** An edited message (`message:updated`): replaced where it is loaded; quotes of it in
   *  replies follow. */
  function update(message: Message): void {
    const t = timelines.get(message.chatId)
    if (!t) return
    const i = t.messages.findIndex((m) => m.id === message.id)
    if (i >= 0) t.messages[i] = message
    requote(t, message.id, (p) => ({ ...p, content: message.content.slice(0, 200) }))
  }

  /** Deleted for everyone or for this user (`message:deleted`): gone from the timeline;
   *  replies to it say "Deleted message" (for everyone) from now on. */
  function remove(chatId: number, ids: number[], forEveryone: boolean): void {
    const t = timelines.get(chatId)
    if (!t) return
    const gone = new Set(ids)
    t.messages = shallowReactive(t.messages.filter((m) => !gone.has(m.id)))
    if (forEveryone) for (const id of ids) requote(t, id, (p) => ({ ...p, content: '', deleted: true }))
  }

  function requote(t: Timeline, id: number, change: (p: NonNullable<Message['replyPreview']>) => NonNullable<Message['replyPreview']>): void {
    t.messages.forEach((m, i) => {
      if (m.replyPreview?.id === id) t.messages[i] = { ...m, replyPreview: change(m.replyPreview) }
    })
  }

  function applyReactions(update: ReactionUpdated): void {
    const t = timelines.get(update.chatId)
    const i = t?.messages.findIndex((m) => m.id === update.messageId) ?? -1
    const m = i >= 0 ? t?.messages[i] : undefined
    if (t && m) t.messages[i] = { ...m, reactions: update.reactions }
  }

  function find(chatId: number, id: number): Message | undefined {
    return timelines.get(chatId)?.messages.find((m) => m.id === id)
  }

  function drop(chatId: number): void {
    timelines.delete(chatId)
  }

  /** After a resync: history may have moved on; reload what is open, forget the rest. */
  async function resync(openChatId: number | null): Promise<void> {
    for (const id of [...timelines.keys()]) if (id !== openChatId) timelines.delete(id)
    if (openChatId !== null) {
      timeline(openChatId).ready = false
      await loadLatest(openChatId)
    }
  }

  function reset(): void {
    timelines.clear()
  }

  return { timelines, timeline, loadLatest, loadOlder, loadAround, loadNewer, show, reach, receive, update, remove, applyReactions, find, drop, resync, reset }
})
