// Loaded history per chat: a contiguous run of messages by seq, newest page first, older
// pages on demand. Every message is kept once, by id; a copy that arrives twice (the ack
// and the event, or a replay) replaces the first.
import { defineStore } from 'pinia'
import { reactive, shallowReactive } from 'vue'
import { api } from '@/api/http'
import type { Message, ReactionUpdated } from '@/api/types'

export const PAGE_SIZE = 50

export interface Timeline {
  messages: Message[] // ascending by seq, no gaps from the oldest loaded to the newest
  hasOlder: boolean
  loadingOlder: boolean
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

  function timeline(chatId: number): Timeline {
    let t = timelines.get(chatId)
    if (!t) {
      timelines.set(chatId, shallowReactive({ messages: shallowReactive([]), hasOlder: false, loadingOlder: false, ready: false }))
      t = timelines.get(chatId)
    }
    return t as Timeline
  }

  /** Fetch the newest page (on open, and after a resync). */
  function loadLatest(chatId: number): Promise<void> {
    const running = inflight.get(chatId)
    if (running) return running
    const job = (async () => {
      const page = await api.history(chatId, { limit: PAGE_SIZE })
      const t = timeline(chatId)
      // Shallow: messages are replaced whole, never mutated in place.
      t.messages = shallowReactive(page.messages)
      t.hasOlder = page.hasMore
      t.ready = true
    })().finally(() => inflight.delete(chatId))
    inflight.set(chatId, job)
    return job
  }

  /** Fetch the page before the oldest loaded message; `limit` larger to reach a target. */
  async function loadOlder(chatId: number, limit = PAGE_SIZE): Promise<number> {
    const t = timeline(chatId)
    const oldest = t.messages[0]
    if (!t.hasOlder || t.loadingOlder || !oldest) return 0
    t.loadingOlder = true
    try {
      const page = await api.history(chatId, { before: oldest.seq, limit: Math.min(100, limit) })
      const known = new Set(t.messages.map((m) => m.id))
      const fresh = page.messages.filter((m) => !known.has(m.id))
      t.messages = shallowReactive([...fresh, ...t.messages])
      t.hasOlder = page.hasMore
      return fresh.length
    } finally {
      t.loadingOlder = false
    }
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

  /** A stored message (event, ack or replay): placed once, by id. */
  function receive(message: Message): void {
    const t = timelines.get(message.chatId)
    // A chat never opened keeps no timeline; its newest page is fetched on open.
    if (!t?.ready) return
    const newest = t.messages[t.messages.length - 1]
    // A gap (missed while the page was not loaded) is closed by refetching, not guessed.
    if (newest && message.seq > newest.seq + 1) {
      t.ready = false
      void loadLatest(message.chatId)
      return
    }
    insertSorted(t.messages, message)
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

  return { timelines, timeline, loadLatest, loadOlder, reach, receive, applyReactions, find, drop, resync, reset }
})
