// The window around an old message (search results, mentions): loaded however old, paged
// newer down to the latest, and not mixed with new messages or a late page of the latest.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { useMessagesStore } from './messages'

const msg = (seq: number): Message =>
  ({
    id: seq * 10, chatId: 1, seq, senderId: 2, type: 'text', content: `m${seq}`, createdAt: '2026-01-01T10:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
    meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
  })

type Delays = { latest?: number; around?: number; after?: number; before?: number }
const pause = (ms = 0): Promise<void> => (ms ? new Promise((r) => setTimeout(r, ms)) : Promise.resolve())

/** Messages 1..n of chat 1, answering `before`, `after`, `around` and `limit` as the server
 *  does, each kind of page after its own delay. */
function serve(n: number, delays: Delays = {}) {
  const all = Array.from({ length: n }, (_, i) => msg(i + 1))
  vi.stubGlobal('fetch', vi.fn(async (url: string) => {
    const q = new URL(url, 'http://x').searchParams
    const limit = Number(q.get('limit'))
    let body: object
    if (q.has('around')) {
      const at = Number(q.get('around'))
      const older = all.filter((m) => m.seq < at).slice(-Math.floor(limit / 2))
      const rest = all.filter((m) => m.seq >= at).slice(0, limit - older.length)
      const page = [...older, ...rest]
      await pause(delays.around)
      body = { messages: page, hasMore: (page[0]?.seq ?? 1) > 1, hasNewer: (page[page.length - 1]?.seq ?? n) < n }
    } else if (q.has('after')) {
      const page = all.filter((m) => m.seq > Number(q.get('after'))).slice(0, limit)
      await pause(delays.after)
      body = { messages: page, hasMore: (page[page.length - 1]?.seq ?? n) < n, hasNewer: null }
    } else {
      const before = q.get('before') ? Number(q.get('before')) : Infinity
      const page = all.filter((m) => m.seq < before).slice(-limit)
      await pause(q.has('before') ? delays.before : delays.latest)
      body = { messages: page, hasMore: (page[0]?.seq ?? 1) > 1, hasNewer: null }
    }
    return new Response(JSON.stringify(body), { status: 200 })
  }))
}

const seqs = (store: ReturnType<typeof useMessagesStore>): number[] => store.timeline(1).messages.map((m) => m.seq)

beforeEach(() => { setActivePinia(createPinia()) })
afterEach(() => { vi.unstubAllGlobals() })

describe('messages store: a window around an old message', () => {
  it('opens around a message however old, then pages newer down to the latest', async () => {
    serve(300)
    const store = useMessagesStore()
    await store.loadLatest(1)
    expect(await store.show(1, 20)).toBe(true)
    const t = store.timeline(1)
    expect(seqs(store)[0]).toBe(1)
    expect(seqs(store)).toContain(20)
    expect(t.hasNewer).toBe(true)
    let pages = 0
    while (t.hasNewer && pages < 10) {
      await store.loadNewer(1)
      pages++
    }
    expect(seqs(store)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(t.hasNewer).toBe(false)
  })

  it('reaches a near message by older pages, keeping the run contiguous', async () => {
    serve(300)
    const store = useMessagesStore()
    await store.loadLatest(1)
    expect(await store.show(1, 230)).toBe(true)
    expect(store.timeline(1).hasNewer).toBe(false)
    expect(seqs(store)[seqs(store).length - 1]).toBe(300)
  })

  it('keeps new messages out of the window until it reaches the latest, but takes acks', async () => {
    serve(300)
    const store = useMessagesStore()
    await store.loadAround(1, 10)
    const before = seqs(store)
    store.receive(msg(301))
    expect(seqs(store)).toEqual(before)
    store.receive({ ...msg(10), content: 'edited' })
    expect(store.find(1, 100)?.content).toBe('edited')
    // "Jump to latest": the window is left for the newest page.
    await store.loadLatest(1)
    expect(store.timeline(1).hasNewer).toBe(false)
    expect(seqs(store)[seqs(store).length - 1]).toBe(300)
  })

  it('places a message that comes while the window is left for the latest', async () => {
    serve(300, { latest: 30 })
    const store = useMessagesStore()
    await store.loadAround(1, 10)
    const latest = store.loadLatest(1)
    // Stored after the newest page was read: not in it.
    store.receive(msg(301))
    await latest
    await Promise.resolve()
    expect(seqs(store)[seqs(store).length - 1]).toBe(301)
  })

  // Opening a chat: messages that come while its first page is on its way (read before
  // they were stored) were dropped, and the last of them was never shown (CI's flaky group
  // test): nothing after it revealed the gap.
  it('places messages that come while the first page is on its way', async () => {
    serve(300, { latest: 30 })
    const store = useMessagesStore()
    const latest = store.loadLatest(1)
    store.receive(msg(300)) // read by the page too: placed once
    store.receive(msg(301))
    store.receive(msg(302))
    await latest
    await Promise.resolve()
    expect(seqs(store).slice(-4)).toEqual([299, 300, 301, 302])
  })

  it('lets a jump win over a page of the latest that comes back later', async () => {
    serve(300, { latest: 30 })
    const store = useMessagesStore()
    const latest = store.loadLatest(1)
    await store.loadAround(1, 5)
    await latest
    expect(seqs(store)).toContain(5)
    expect(store.timeline(1).hasNewer).toBe(true)
  })

  // A page asked for while a jump's window was on its way extends the window it was asked
  // for, not the jump's: appended there, it put old messages after the newest (the list
  // then followed them to the bottom, away from the message jumped to).
  const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => i + from)
  it.each([
    { side: 'newer', delays: { around: 20, after: 60 }, from: 5, to: 280, kept: range(255, 300) },
    { side: 'older', delays: { around: 20, before: 60 }, from: 200, to: 20, kept: range(1, 50) },
  ] as const)('drops a $side page asked for from the window a jump replaced', async ({ side, delays, from, to, kept }) => {
    serve(300, delays)
    const store = useMessagesStore()
    await store.loadAround(1, from)
    const jump = store.loadAround(1, to)
    const page = side === 'newer' ? store.loadNewer(1) : store.loadOlder(1)
    await jump
    expect(await page).toBe(0)
    expect(seqs(store)).toEqual(kept)
  })
})
