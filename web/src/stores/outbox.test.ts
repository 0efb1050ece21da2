import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { CommandError } from '@/realtime/client'
import { useOutboxStore, type OutboxItem } from './outbox'

const stored = (item: OutboxItem, id: number): Message =>
  ({ id, chatId: item.chatId, seq: id, clientId: item.clientId, content: item.content }) as Message

function item(n: number) {
  return { clientId: `c${n}`, chatId: 1, content: `m${n}`, replyTo: null, attachments: [] }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})

describe('outbox', () => {
  it('sends in the order written, one at a time', async () => {
    const outbox = useOutboxStore()
    const order: string[] = []
    let inFlight = 0
    const sender = vi.fn(async (i: OutboxItem) => {
      inFlight++
      expect(inFlight).toBe(1)
      await new Promise((r) => setTimeout(r, 1))
      order.push(i.content)
      inFlight--
      return stored(i, order.length)
    })
    const sent = vi.fn()
    outbox.configure(sender, sent)
    outbox.enqueue(item(1))
    outbox.enqueue(item(2))
    outbox.enqueue(item(3))
    await vi.waitFor(() => { expect(outbox.items).toHaveLength(0) })
    expect(order).toEqual(['m1', 'm2', 'm3'])
    expect(sent.mock.calls.map((c) => (c[0] as Message).id)).toEqual([1, 2, 3])
  })

  it('keeps messages queued while offline and sends them, same clientId, when back', async () => {
    const outbox = useOutboxStore()
    let online = false
    const attempts: string[] = []
    outbox.configure(async (i) => {
      attempts.push(i.clientId)
      if (!online) throw new CommandError('disconnected', 'Not connected.')
      return stored(i, attempts.length)
    }, () => undefined)
    outbox.enqueue(item(1))
    outbox.enqueue(item(2))
    await vi.waitFor(() => { expect(attempts).toEqual(['c1']) })
    expect(outbox.items.map((i) => i.status)).toEqual(['queued', 'queued'])
    online = true
    await outbox.flush()
    expect(attempts).toEqual(['c1', 'c1', 'c2'])
    expect(outbox.items).toHaveLength(0)
  })

  it('marks a refused message failed without blocking the next, and retries on demand', async () => {
    const outbox = useOutboxStore()
    let refuse = true
    outbox.configure(async (i) => {
      if (i.clientId === 'c1' && refuse) throw new CommandError('validation_error', 'Too long.')
      return stored(i, 1)
    }, () => undefined)
    outbox.enqueue(item(1))
    outbox.enqueue(item(2))
    await vi.waitFor(() => { expect(outbox.items).toHaveLength(1) })
    expect(outbox.items[0]).toMatchObject({ clientId: 'c1', status: 'failed', error: 'Too long.' })
    refuse = false
    outbox.retry('c1')
    await vi.waitFor(() => { expect(outbox.items).toHaveLength(0) })
  })

  it('survives a reload: unsent messages are restored as queued', () => {
    const outbox = useOutboxStore()
    outbox.enqueue(item(1)) // no sender configured yet: stays queued
    return vi.waitFor(() => {
      setActivePinia(createPinia())
      const again = useOutboxStore()
      expect(again.items.map((i) => [i.clientId, i.status])).toEqual([['c1', 'queued']])
    })
  })

  it('drops the echo when the stored copy arrives by event', () => {
    const outbox = useOutboxStore()
    outbox.enqueue(item(1))
    outbox.settle('c1')
    expect(outbox.items).toHaveLength(0)
  })

  it('sends again by itself what the server said it saved nothing of', async () => {
    vi.useFakeTimers()
    try {
      const outbox = useOutboxStore()
      const accepted: string[] = []
      let refused = false
      outbox.configure(async (i) => {
        if (!refused) {
          refused = true
          throw new CommandError('busy', 'Your message was not saved: send it again.', 1)
        }
        accepted.push(i.clientId)
        return stored(i, accepted.length)
      }, () => undefined)
      outbox.enqueue(item(1))
      await vi.advanceTimersByTimeAsync(0)
      expect(accepted).toEqual([])
      expect(outbox.items.map((i) => i.status)).toEqual(['queued'])
      await vi.advanceTimersByTimeAsync(1_100)
      expect(accepted).toEqual(['c1'])
      expect(outbox.items).toHaveLength(0)
    } finally {
      vi.useRealTimers()
    }
  })

  it('waits out the send limit by itself and then sends the rest, in order', async () => {
    vi.useFakeTimers()
    try {
      const outbox = useOutboxStore()
      const accepted: string[] = []
      let limited = true
      outbox.configure(async (i) => {
        if (i.clientId === 'c2' && limited) {
          limited = false
          throw new CommandError('rate_limited', 'Slow down.', 8)
        }
        accepted.push(i.clientId)
        return stored(i, accepted.length)
      }, () => undefined)
      outbox.enqueue(item(1))
      outbox.enqueue(item(2))
      outbox.enqueue(item(3))
      await vi.advanceTimersByTimeAsync(0)
      expect(accepted).toEqual(['c1'])
      expect(outbox.waitUntil).not.toBeNull()
      expect(outbox.items.map((i) => i.status)).toEqual(['queued', 'queued'])
      outbox.enqueue(item(4)) // a new message does not jump the wait
      await vi.advanceTimersByTimeAsync(7_000)
      expect(accepted).toEqual(['c1'])
      await vi.advanceTimersByTimeAsync(1_100)
      expect(accepted).toEqual(['c1', 'c2', 'c3', 'c4'])
      expect(outbox.waitUntil).toBeNull()
      expect(outbox.items).toHaveLength(0)
    } finally {
      vi.useRealTimers()
    }
  })
})
