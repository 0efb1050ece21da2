import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { useMessagesStore } from './messages'

const msg = (seq: number, extra: Partial<Message> = {}): Message =>
  ({
    id: seq * 10, chatId: 1, seq, senderId: 2, type: 'text', content: `m${seq}`, createdAt: '2026-01-01T10:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
    meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null, ...extra,
  })

/** A fake server history: messages 1..n of chat 1, answering `before`/`after`/`limit`. */
function serve(n: number) {
  const all = Array.from({ length: n }, (_, i) => msg(i + 1))
  const calls: string[] = []
  vi.stubGlobal('fetch', vi.fn((url: string) => {
    calls.push(url)
    const q = new URL(url, 'http://x').searchParams
    const limit = Number(q.get('limit'))
    const before = q.get('before') ? Number(q.get('before')) : Infinity
    const page = all.filter((m) => m.seq < before).slice(-limit)
    const hasMore = (page[0]?.seq ?? 1) > 1
    return Promise.resolve(new Response(JSON.stringify({ messages: page, hasMore }), { status: 200 }))
  }))
  return calls
}

beforeEach(() => { setActivePinia(createPinia()) })
afterEach(() => { vi.unstubAllGlobals() })

describe('messages store', () => {
  it('loads the newest page, then older pages in front, without duplicates', async () => {
    serve(120)
    const store = useMessagesStore()
    await store.loadLatest(1)
    const t = store.timeline(1)
    expect(t.messages.map((m) => m.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 71))
    expect(t.hasOlder).toBe(true)
    expect(await store.loadOlder(1)).toBe(50)
    expect(await store.loadOlder(1)).toBe(20)
    expect(t.hasOlder).toBe(false)
    expect(t.messages.map((m) => m.seq)).toEqual(Array.from({ length: 120 }, (_, i) => i + 1))
  })

  it('places a message once, whether it comes by ack, event or replay', async () => {
    serve(3)
    const store = useMessagesStore()
    await store.loadLatest(1)
    const m4 = msg(4, { clientId: 'abc' })
    store.receive(m4)
    store.receive({ ...m4 })
    store.receive(msg(2))
    expect(store.timeline(1).messages.map((m) => m.seq)).toEqual([1, 2, 3, 4])
  })

  it('refetches instead of guessing when a message arrives after a gap', async () => {
    const calls = serve(3)
    const store = useMessagesStore()
    await store.loadLatest(1)
    store.receive(msg(9))
    expect(store.timeline(1).ready).toBe(false)
    await vi.waitFor(() => { expect(calls).toHaveLength(2) })
  })

  it('reaches an old message by loading pages up to it', async () => {
    serve(400)
    const store = useMessagesStore()
    expect(await store.reach(1, 30)).toBe(true)
    expect(store.timeline(1).messages[0]?.seq).toBeLessThanOrEqual(30)
    expect(await store.reach(1, 999)).toBe(false)
  })

  it('replaces reactions of a loaded message', async () => {
    serve(2)
    const store = useMessagesStore()
    await store.loadLatest(1)
    store.applyReactions({ chatId: 1, messageId: 20, reactions: { '👍': [1, 2] } })
    expect(store.find(1, 20)?.reactions).toEqual({ '👍': [1, 2] })
  })
})
