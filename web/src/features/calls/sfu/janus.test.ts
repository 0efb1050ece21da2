import { afterEach, describe, expect, it, vi } from 'vitest'
import { Janus, JanusError, JanusGone, KEEPALIVE_MS, PROTOCOL, socketUrl, type WebSocketConstructor } from './janus'
import { decodeFeedState, encodeFeedState } from './feedState'

type Frame = Record<string, unknown>

/** A scriptable stand-in for the browser's WebSocket, speaking for Janus. */
class FakeSocket extends EventTarget {
  static last: FakeSocket | null = null
  readyState = 0
  sent: Frame[] = []
  constructor(
    readonly url: string,
    readonly protocol: string,
  ) {
    super()
    FakeSocket.last = this
    setTimeout(() => {
      this.readyState = 1
      this.dispatchEvent(new Event('open'))
    }, 0)
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as Frame)
  }
  close(): void {
    if (this.readyState === 3) return
    this.readyState = 3
    this.dispatchEvent(new Event('close'))
  }
  receive(frame: Frame): void {
    this.dispatchEvent(new MessageEvent('message', { data: JSON.stringify(frame) }))
  }
  /** The last request of this kind, for its transaction. */
  request(kind: string): Frame {
    const found = this.sent.filter((f) => f.janus === kind).at(-1)
    if (!found) throw new Error(`no ${kind} sent`)
    return found
  }
}

const Socket = FakeSocket as unknown as WebSocketConstructor
const socket = (): FakeSocket => {
  if (!FakeSocket.last) throw new Error('no socket')
  return FakeSocket.last
}
const tick = () => new Promise((resolve) => setTimeout(resolve, 0))

async function connected(): Promise<Janus> {
  const connecting = Janus.connect('/janus', 'tok', Socket)
  await tick()
  const create = socket().request('create')
  socket().receive({ janus: 'success', transaction: create.transaction, data: { id: 77 } })
  return connecting
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Janus client', () => {
  it('opens the socket with the janus-protocol and a session, with the token on every request', async () => {
    const janus = await connected()
    expect(socket().url).toBe(`ws://${location.host}/janus`)
    expect(socket().protocol).toBe(PROTOCOL)
    const create = socket().request('create')
    expect(create).toMatchObject({ token: 'tok' })
    expect(create).not.toHaveProperty('session_id')
    const attaching = janus.attach('janus.plugin.videoroom')
    const attach = socket().request('attach')
    expect(attach).toMatchObject({ session_id: 77, plugin: 'janus.plugin.videoroom', token: 'tok' })
    socket().receive({ janus: 'success', transaction: attach.transaction, data: { id: 5 } })
    expect((await attaching).id).toBe(5)
  })

  it('answers a plugin request with the event of its transaction, not the ack', async () => {
    const janus = await connected()
    const attaching = janus.attach('janus.plugin.videoroom')
    socket().receive({ janus: 'success', transaction: socket().request('attach').transaction, data: { id: 5 } })
    const handle = await attaching
    const asking = handle.message({ request: 'join', room: 1 })
    const message = socket().request('message')
    expect(message).toMatchObject({ handle_id: 5, session_id: 77, body: { request: 'join', room: 1 } })
    socket().receive({ janus: 'ack', transaction: message.transaction })
    let settled = false
    void asking.then(() => { settled = true })
    await tick()
    expect(settled).toBe(false)
    socket().receive({
      janus: 'event', transaction: message.transaction, sender: 5,
      plugindata: { data: { videoroom: 'joined', private_id: 9 } }, jsep: { type: 'answer', sdp: 'v=0' },
    })
    await expect(asking).resolves.toEqual({ data: { videoroom: 'joined', private_id: 9 }, jsep: { type: 'answer', sdp: 'v=0' } })
  })

  it('rejects with JanusError for a Janus error and for a plugin error code', async () => {
    const janus = await connected()
    const attaching = janus.attach('janus.plugin.videoroom')
    socket().receive({ janus: 'error', transaction: socket().request('attach').transaction, error: { code: 403, reason: 'Unauthorized' } })
    await expect(attaching).rejects.toEqual(new JanusError(403, 'Unauthorized'))

    const again = janus.attach('janus.plugin.videoroom')
    socket().receive({ janus: 'success', transaction: socket().request('attach').transaction, data: { id: 6 } })
    const asking = (await again).message({ request: 'join' })
    socket().receive({
      janus: 'event', transaction: socket().request('message').transaction, sender: 6,
      plugindata: { data: { videoroom: 'event', error_code: 433, error: 'Unauthorized (not in the allowed list)' } },
    })
    await expect(asking).rejects.toMatchObject({ code: 433 })
  })

  it("routes a handle's events, candidates and end of candidates by sender", async () => {
    const janus = await connected()
    const onEvent = vi.fn()
    const onCandidate = vi.fn()
    const attaching = janus.attach('janus.plugin.videoroom', { onEvent, onCandidate })
    socket().receive({ janus: 'success', transaction: socket().request('attach').transaction, data: { id: 5 } })
    const handle = await attaching
    socket().receive({ janus: 'event', sender: 5, plugindata: { data: { videoroom: 'talking', id: 3 } } })
    socket().receive({ janus: 'event', sender: 99, plugindata: { data: { videoroom: 'talking', id: 4 } } })
    socket().receive({ janus: 'trickle', sender: 5, candidate: { candidate: 'candidate:1 1 udp 1 127.0.0.1 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 } })
    socket().receive({ janus: 'trickle', sender: 5, candidate: { completed: true } })
    expect(onEvent).toHaveBeenCalledExactlyOnceWith({ data: { videoroom: 'talking', id: 3 }, jsep: null })
    expect(onCandidate.mock.calls).toEqual([
      [{ candidate: 'candidate:1 1 udp 1 127.0.0.1 40000 typ host', sdpMid: '0', sdpMLineIndex: 0 }],
      [null],
    ])
    handle.trickle(null)
    expect(socket().request('trickle')).toMatchObject({ handle_id: 5, candidate: { completed: true }, token: 'tok' })
  })

  it('keeps the session alive every 25 s, and tells when the socket is lost', async () => {
    vi.useFakeTimers()
    const connecting = Janus.connect('wss://sfu.example.org/janus', 'tok', Socket)
    await vi.advanceTimersByTimeAsync(0)
    socket().receive({ janus: 'success', transaction: socket().request('create').transaction, data: { id: 77 } })
    const janus = await connecting
    expect(socket().url).toBe('wss://sfu.example.org/janus')
    await vi.advanceTimersByTimeAsync(KEEPALIVE_MS)
    expect(socket().request('keepalive')).toMatchObject({ session_id: 77, token: 'tok' })
    const onLost = vi.fn()
    janus.onLost = onLost
    const pending = janus.attach('janus.plugin.videoroom')
    socket().close()
    await expect(pending).rejects.toBeInstanceOf(JanusGone)
    expect(onLost).toHaveBeenCalledOnce()
    expect(janus.closed).toBe(true)
  })

  it('close() destroys the session and is not a loss', async () => {
    const janus = await connected()
    const onLost = vi.fn()
    janus.onLost = onLost
    janus.close()
    expect(socket().request('destroy')).toMatchObject({ session_id: 77 })
    expect(onLost).not.toHaveBeenCalled()
  })
})

describe('socketUrl', () => {
  it('makes a path absolute with the page scheme, and keeps a full URL', () => {
    expect(socketUrl('/janus', { protocol: 'https:', host: 'chat.example.org' })).toBe('wss://chat.example.org/janus')
    expect(socketUrl('/janus', { protocol: 'http:', host: '127.0.0.1:8000' })).toBe('ws://127.0.0.1:8000/janus')
    expect(socketUrl('ws://127.0.0.1:8188')).toBe('ws://127.0.0.1:8188')
  })
})

describe('feed state in display', () => {
  it('round-trips, and ignores what is not ours', () => {
    const state = { muted: true, video: false }
    expect(decodeFeedState(encodeFeedState(state))).toEqual(state)
    expect(decodeFeedState('Alice')).toBeNull()
    expect(decodeFeedState('{"muted":"yes","video":true}')).toBeNull()
    expect(decodeFeedState(undefined)).toBeNull()
  })
})
