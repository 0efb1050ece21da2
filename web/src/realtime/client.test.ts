import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { ServerEvent, UserMe } from '@/api/types'
import { BACKOFF_MAX_MS, backoffDelay } from './backoff'
import { COMMAND_TIMEOUT_MS, CommandError, RealtimeClient, type RealtimeHandlers } from './client'

/** A scriptable stand-in for the browser's WebSocket. */
class FakeSocket {
  static all: FakeSocket[] = []
  sent: unknown[] = []
  closed = false
  onopen: (() => void) | null = null
  onmessage: ((e: { data: string }) => void) | null = null
  onclose: ((e: { code: number }) => void) | null = null
  constructor(readonly url: string) {
    FakeSocket.all.push(this)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data))
  }
  close(): void {
    this.closed = true
  }
  open(): void {
    this.onopen?.()
  }
  receive(frame: unknown): void {
    this.onmessage?.({ data: JSON.stringify(frame) })
  }
  drop(code = 1006): void {
    this.onclose?.({ code })
  }
}

const user = { id: 1, username: 'ann', displayName: 'Ann' } as UserMe
const last = (): FakeSocket => {
  const s = FakeSocket.all[FakeSocket.all.length - 1]
  if (!s) throw new Error('no socket')
  return s
}

function setup(since: () => number | null = () => null, epoch: () => string | null = () => null) {
  const handlers = {
    onReady: vi.fn<RealtimeHandlers['onReady']>(),
    onEvent: vi.fn<(e: ServerEvent) => void>(),
    onStateChange: vi.fn(),
    onUnauthorized: vi.fn(),
  }
  const client = new RealtimeClient({
    url: 'ws://test/ws',
    token: () => 'tok',
    since,
    epoch,
    handlers,
    WebSocketImpl: FakeSocket as unknown as typeof WebSocket,
    random: () => 0.5, // no jitter: exact delays
  })
  return { client, handlers }
}

function connect(client: RealtimeClient, seq = 10): FakeSocket {
  client.start()
  const s = last()
  s.open()
  s.receive({ type: 'ready', data: { user, seq, serverTime: '' } })
  return s
}

beforeEach(() => {
  FakeSocket.all = []
  vi.useFakeTimers()
})
afterEach(() => {
  vi.useRealTimers()
})

describe('backoffDelay', () => {
  it('doubles from 1 s to a 30 s cap with ±25 % jitter', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((a) => backoffDelay(a, () => 0.5))).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000,
    ])
    expect(backoffDelay(0, () => 0)).toBe(750)
    expect(backoffDelay(0, () => 1)).toBe(1250)
    expect(backoffDelay(20, () => 1)).toBe(BACKOFF_MAX_MS * 1.25)
  })
})

describe('RealtimeClient', () => {
  it('authenticates in the first frame, never in the URL', () => {
    const { client, handlers } = setup(() => 42)
    client.start()
    const s = last()
    expect(s.url).toBe('ws://test/ws')
    s.open()
    expect(s.sent[0]).toEqual({ type: 'auth', token: 'tok', since: 42, epoch: null })
    s.receive({ type: 'ready', data: { user, seq: 50, serverTime: '' } })
    expect(handlers.onReady).toHaveBeenCalledWith({ user, seq: 50, resumed: true })
    expect(client.state).toBe('ready')
  })

  it('reports a refused resume as not resumed, after its ready', () => {
    const { client, handlers } = setup(() => 7, () => 'e1')
    client.start()
    const s = last()
    s.open()
    // The server's order: `ready`, then `resync_required` in place of the replay.
    s.receive({ type: 'ready', data: { user, seq: 900, epoch: 'e1', serverTime: '' } })
    s.receive({ type: 'resync_required', data: { seq: 900 } })
    expect(handlers.onReady.mock.calls.map(([info]) => [info.seq, info.resumed])).toEqual([
      [900, true],
      [900, false],
    ])
  })

  it('sends the epoch beside since, and none on a fresh start', () => {
    const { client } = setup(() => 42, () => 'e1')
    client.start()
    last().open()
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'tok', since: 42, epoch: 'e1' })
    const fresh = setup(() => null, () => 'e1')
    fresh.client.start()
    last().open()
    expect(last().sent[0]).toEqual({ type: 'auth', token: 'tok', since: null, epoch: null })
  })

  it('refetches at once when the server is in another epoch (a restored backup)', () => {
    const { client, handlers } = setup(() => 42, () => 'old')
    client.start()
    const s = last()
    s.open()
    s.receive({ type: 'ready', data: { user, seq: 50, epoch: 'new', serverTime: '' } })
    s.receive({ type: 'resync_required', data: { seq: 50 } })
    // One refetch, not a resume followed by a second call.
    expect(handlers.onReady).toHaveBeenCalledOnce()
    expect(handlers.onReady.mock.calls[0]?.[0]).toMatchObject({ seq: 50, epoch: 'new', resumed: false })
  })

  it('takes the epoch of a server that had none as the same history', () => {
    const { client, handlers } = setup(() => 42, () => null)
    client.start()
    last().open()
    last().receive({ type: 'ready', data: { user, seq: 50, epoch: 'e1', serverTime: '' } })
    expect(handlers.onReady.mock.calls[0]?.[0]).toMatchObject({ epoch: 'e1', resumed: true })
  })

  it('reconnects with growing delays and resets them after a ready', () => {
    const { client } = setup()
    connect(client)
    last().drop()
    expect(client.state).toBe('waiting')
    vi.advanceTimersByTime(999)
    expect(FakeSocket.all).toHaveLength(1)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(2)
    last().drop() // failed before ready: the next wait doubles
    vi.advanceTimersByTime(1999)
    expect(FakeSocket.all).toHaveLength(2)
    vi.advanceTimersByTime(1)
    expect(FakeSocket.all).toHaveLength(3)
    last().open()
    last().receive({ type: 'ready', data: { user, seq: 1, serverTime: '' } })
    last().drop() // after a ready the backoff starts over at 1 s
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(4)
  })

  it('never retries after the token is refused', () => {
    const { client, handlers } = setup()
    client.start()
    last().open()
    last().drop(4401)
    expect(handlers.onUnauthorized).toHaveBeenCalledOnce()
    vi.advanceTimersByTime(120_000)
    expect(FakeSocket.all).toHaveLength(1)
    expect(client.state).toBe('idle')
  })

  it('settles commands by their ack or error, and fails them on a lost connection', async () => {
    const { client } = setup()
    const s = connect(client)
    const ok = client.command('typing:start', { chatId: 3 })
    const bad = client.command('message:read', { chatId: 3, messageId: 9 })
    const lost = client.command('typing:stop', { chatId: 3 })
    const [a, b] = s.sent.slice(1) as { ref: string }[]
    s.receive({ type: 'ack', ref: a?.ref, data: {} })
    s.receive({ type: 'error', ref: b?.ref, error: { code: 'forbidden', message: 'no' } })
    await expect(ok).resolves.toEqual({})
    await expect(bad).rejects.toMatchObject({ code: 'forbidden', transient: false })
    s.drop()
    await expect(lost).rejects.toMatchObject({ code: 'disconnected', transient: true })
  })

  it('refuses commands while not connected', async () => {
    const { client } = setup()
    await expect(client.command('typing:start', { chatId: 1 })).rejects.toBeInstanceOf(CommandError)
  })

  it('recycles the socket when a command is never answered', async () => {
    const { client } = setup()
    const s = connect(client)
    const p = client.command('typing:start', { chatId: 1 })
    vi.advanceTimersByTime(COMMAND_TIMEOUT_MS)
    await expect(p).rejects.toMatchObject({ code: 'timeout' })
    expect(s.closed).toBe(true)
    expect(client.state).toBe('waiting')
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(2)
  })

  it('starts over on a new socket when what followed ready failed, and only from ready', () => {
    const { client, handlers } = setup()
    const s = connect(client)
    client.retry()
    expect(s.closed).toBe(true)
    expect(client.state).toBe('waiting')
    vi.advanceTimersByTime(1000)
    expect(FakeSocket.all).toHaveLength(2)
    last().open()
    last().receive({ type: 'ready', data: { user, seq: 12, serverTime: '' } })
    expect(handlers.onReady).toHaveBeenCalledTimes(2)
    client.setOffline()
    client.retry() // offline: no socket until the network is back
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(2)
    expect(client.state).toBe('offline')
  })

  it('passes events through in order', () => {
    const { client, handlers } = setup()
    const s = connect(client)
    const e1 = { type: 'typing:update', data: { chatId: 1, userId: 2, isTyping: true } }
    const e2 = { type: 'read:updated', seq: 11, data: { chatId: 1, userId: 2, messageId: 5, seq: 5 } }
    s.receive(e1)
    s.receive(e2)
    expect(handlers.onEvent.mock.calls.map((c) => c[0])).toEqual([e1, e2])
  })

  it('waits for the network when offline and reconnects at once when it is back', () => {
    const { client } = setup()
    connect(client)
    client.setOffline()
    expect(client.state).toBe('offline')
    vi.advanceTimersByTime(60_000)
    expect(FakeSocket.all).toHaveLength(1)
    client.reconnectNow()
    expect(FakeSocket.all).toHaveLength(2)
    expect(client.state).toBe('connecting')
  })
})
