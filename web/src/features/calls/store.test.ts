import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { ref } from 'vue'
import type { Call, CommandType } from '@/api/types'
import type { ConnectionState } from '@/realtime/client'
import { useAuthStore } from '@/stores/auth'
import { FakePeerConnection, FakeTrack, fakeStream } from './fakePeerConnection'
import { CallState } from './machine'
import type { MediaDevicesLike } from './media'
import { socketGraceMs, useCallsStore } from './store'

const call = (over: Partial<Call> = {}): Call => ({
  id: 'c1', chatId: 5, media: 'video', state: 'ringing', initiatorId: 2, participants: [2],
  topology: 'mesh', maxParticipants: 4, startedAt: '2026-01-01T00:00:00Z', answeredAt: null,
  endedAt: null, endReason: null, ...over,
})

function setup() {
  setActivePinia(createPinia())
  useAuthStore().setUser({ id: 1, username: 'u1', displayName: 'U1', avatarUrl: null, status: 'online', lastSeen: null, deactivated: false, params: { theme: 'dark', messageTextSize: 16, language: null, pushPreview: true }, twoFactor: false, privacy: { lastSeen: 'chats', groupAdds: 'everybody' } })
  FakePeerConnection.created = []
  const tracks = [new FakeTrack('audio'), new FakeTrack('video')]
  const devices: MediaDevicesLike = {
    getUserMedia: () => Promise.resolve(fakeStream(tracks)),
    getDisplayMedia: () => Promise.reject(new DOMException('no', 'NotAllowedError')),
  }
  const sent: { type: CommandType; data: unknown }[] = []
  const replies: Partial<Record<CommandType, unknown>> = {}
  const command = vi.fn((type: CommandType, data: unknown) => {
    sent.push({ type, data })
    return Promise.resolve(replies[type] ?? { delivered: true })
  })
  const ringtone = { start: vi.fn(), stop: vi.fn() }
  const connection = ref<ConnectionState>('ready')
  const storage = new Map<string, string>()
  const store = useCallsStore()
  store.configure({
    command: command,
    iceConfig: () => Promise.resolve({ iceServers: [{ urls: ['stun:example.org'] }], iceTransportPolicy: 'relay' }),
    liveCalls: () => Promise.resolve([]),
    devices: () => devices,
    PeerConnection: FakePeerConnection,
    ringtone,
    connection,
    storage: {
      getItem: (k) => storage.get(k) ?? null,
      setItem: (k, v) => { storage.set(k, v) },
      removeItem: (k) => { storage.delete(k) },
    },
  })
  return { store, sent, replies, tracks, ringtone, connection, storage }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0))

async function acceptedGroupCall(env: ReturnType<typeof setup>) {
  const { store, replies } = env
  store.onIncoming({ type: 'call:incoming', data: { call: call({ participants: [2, 3], state: 'active' }) } })
  replies['call:accept'] = { call: call({ participants: [2, 3, 1], state: 'active', answeredAt: '2026-01-01T00:00:05Z' }) }
  await store.accept()
}

beforeEach(() => {
  vi.useRealTimers()
})

describe('call store', () => {
  it('rings on call:incoming, then accept gets media, sends call:accept and makes a peer per participant', async () => {
    const env = setup()
    const { store, sent, ringtone } = env
    store.onIncoming({ type: 'call:incoming', data: { call: call() } })
    expect(store.state).toBe(CallState.IncomingRinging)
    expect(ringtone.start).toHaveBeenCalled()
    await acceptedGroupCall({ ...env })
    expect(ringtone.stop).toHaveBeenCalled()
    expect(sent.map((c) => c.type)).toContain('call:accept')
    expect(sent.find((c) => c.type === 'call:accept')?.data).toEqual({ callId: 'c1' })
    expect(store.state).toBe(CallState.Connecting)
    expect(store.current?.view.tiles.map((t) => t.userId)).toEqual([2, 3])
    expect(FakePeerConnection.created).toHaveLength(2)
    // The ICE servers came from the injected config, policy included.
    expect(FakePeerConnection.created[0]?.configuration?.iceTransportPolicy).toBe('relay')
  })

  it('ignores a second incoming call while in one', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    env.store.onIncoming({ type: 'call:incoming', data: { call: call({ id: 'c2', chatId: 9 }) } })
    expect(env.store.current?.id).toBe('c1')
  })

  it('routes call:signal to the peer of its sender, adding our tracks before the answer', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    const [pc2, pc3] = FakePeerConnection.created
    env.store.onSignal({ type: 'call:signal', data: { callId: 'c1', from: 3, data: { sdp: { type: 'offer', sdp: 'o3' } } } })
    await vi.waitFor(() => { expect(pc3?.log).toContain('setLocalDescription:answer') })
    expect(pc3?.log.filter((l) => l.startsWith('addTrack'))).toEqual(['addTrack:audio', 'addTrack:video'])
    expect(pc2?.log).toEqual([])
    // (The fake fires negotiationneeded on every addTrack, so an offer may follow; a
    // browser finds nothing left to negotiate once the answer carried our tracks.)
    const signals = env.sent.filter((c) => c.type === 'call:signal').map((c) => c.data)
    expect(signals).toContainEqual(expect.objectContaining({ callId: 'c1', to: 3, data: { sdp: { type: 'answer', sdp: 'answer 2' } } }))
    // A signal for another call is dropped.
    env.store.onSignal({ type: 'call:signal', data: { callId: 'zz', from: 2, data: { sdp: { type: 'offer', sdp: 'x' } } } })
    await flush()
    expect(pc2?.log).toEqual([])
  })

  it('offers to a newcomer and closes the peer of one who left', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    const joined = call({ participants: [2, 3, 1, 4], state: 'active' })
    env.store.onJoined({ type: 'call:participant_joined', data: { callId: 'c1', userId: 4, call: joined } })
    const pc4 = FakePeerConnection.created[2]
    expect(pc4?.log).toEqual(['addTrack:audio', 'addTrack:video'])
    await vi.waitFor(() => { expect(pc4?.log).toContain('setLocalDescription:offer') })
    env.store.onLeft({ type: 'call:participant_left', data: { callId: 'c1', userId: 4, call: call({ participants: [2, 3, 1], state: 'active' }) } })
    expect(pc4?.log.at(-1)).toBe('close')
    expect(env.store.current?.view.tiles.map((t) => t.userId)).toEqual([2, 3])
  })

  it('our own participant_joined from another device leaves quietly', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    env.store.onJoined({ type: 'call:participant_joined', data: { callId: 'c1', userId: 1, call: call({ state: 'active' }) } })
    expect(env.store.current).not.toBeNull() // that one was ours (the accept)
    env.store.onJoined({ type: 'call:participant_joined', data: { callId: 'c1', userId: 1, call: call({ state: 'active' }) } })
    expect(env.store.current).toBeNull()
    expect(env.sent.map((c) => c.type)).not.toContain('call:end')
  })

  it('call:ended stops every track and closes every peer', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    const session = env.store.current
    env.store.onEnded({ type: 'call:ended', data: { callId: 'c1', reason: 'hangup', call: call({ state: 'ended', participants: [] }) } })
    expect(env.store.current).toBeNull()
    expect(session?.machine.endReason).toBe('hangup')
    expect(env.tracks.every((t) => t.readyState === 'ended')).toBe(true)
    expect(FakePeerConnection.created.every((pc) => pc.signalingState === 'closed')).toBe(true)
    // The server's call:ended racing our hang-up is harmless.
    await env.store.hangUp()
    expect(env.sent.map((c) => c.type)).not.toContain('call:end')
  })

  it('leaves the call of a chat we are removed from, without call:end', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    const session = env.store.current
    env.store.onChatRemoved(99) // another chat: nothing happens
    expect(env.store.current).toBe(session)
    env.store.onChatRemoved(5)
    expect(env.store.current).toBeNull()
    expect(session?.machine.endReason).toBe('left-chat')
    expect(env.tracks.every((t) => t.readyState === 'ended')).toBe(true)
    expect(FakePeerConnection.created.every((pc) => pc.signalingState === 'closed')).toBe(true)
    expect(env.store.live.has(5)).toBe(false)
    expect(env.sent.map((c) => c.type)).not.toContain('call:end') // the server already did it
  })

  it('hang-up sends call:end and cleans up', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    await env.store.hangUp()
    expect(env.sent.at(-1)).toEqual({ type: 'call:end', data: { callId: 'c1' } })
    expect(env.store.current).toBeNull()
    expect(env.tracks.every((t) => t.readyState === 'ended')).toBe(true)
    expect(FakePeerConnection.created.every((pc) => pc.signalingState === 'closed')).toBe(true)
    expect(env.storage.size).toBe(0)
  })

  it('starts a call: media first, then call:start, and a peer once the callee accepts', async () => {
    const env = setup()
    env.replies['call:start'] = { call: call({ initiatorId: 1, participants: [1] }) }
    await env.store.start(5, 'video')
    expect(env.store.state).toBe(CallState.OutgoingRinging)
    expect(env.sent[0]).toEqual({ type: 'call:start', data: { chatId: 5, media: 'video' } })
    env.store.onJoined({ type: 'call:accepted', data: { callId: 'c1', userId: 2, call: call({ initiatorId: 1, participants: [1, 2], state: 'active' }) } })
    expect(env.store.state).toBe(CallState.Connecting)
    expect(FakePeerConnection.created[0]?.log).toEqual(['addTrack:audio', 'addTrack:video'])
    // The caller's offer goes out under the id the server gave the call, never ''.
    await vi.waitFor(() => { expect(env.sent.some((c) => c.type === 'call:signal')).toBe(true) })
    const ids = env.sent.filter((c) => c.type === 'call:signal').map((c) => (c.data as { callId: string }).callId)
    expect(new Set(ids)).toEqual(new Set(['c1']))
  })

  it('ends with a reason when the microphone is refused, sending nothing', async () => {
    setActivePinia(createPinia())
    const env = setup()
    env.store.configure({
      command: ((type: CommandType, data: unknown) => { env.sent.push({ type, data }); return Promise.resolve({}) }),
      devices: () => ({ getUserMedia: () => Promise.reject(new DOMException('no', 'NotAllowedError')), getDisplayMedia: () => Promise.reject(new Error('no')) }),
      iceConfig: () => Promise.resolve({}),
      connection: env.connection,
      ringtone: env.ringtone,
    })
    await env.store.start(5, 'audio')
    expect(env.store.current).toBeNull()
    expect(env.sent).toEqual([])
  })

  it('keeps the call through a short socket loss and rejoins with call:join', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    vi.useFakeTimers()
    env.connection.value = 'waiting'
    await vi.advanceTimersByTimeAsync(socketGraceMs() - 1000)
    expect(env.store.current).not.toBeNull()
    env.replies['call:join'] = { call: call({ participants: [2, 3, 1], state: 'active' }) }
    env.connection.value = 'ready'
    await vi.advanceTimersByTimeAsync(0)
    expect(env.sent.at(-1)?.type === 'call:join' || env.sent.some((c) => c.type === 'call:join')).toBe(true)
    expect(FakePeerConnection.created).toHaveLength(4) // fresh peers for 2 and 3
    await vi.advanceTimersByTimeAsync(socketGraceMs())
    expect(env.store.current).not.toBeNull()
  })

  it('ends the call when the socket stays away past the grace period', async () => {
    const env = setup()
    await acceptedGroupCall(env)
    vi.useFakeTimers()
    env.connection.value = 'waiting'
    await vi.advanceTimersByTimeAsync(socketGraceMs())
    expect(env.store.current).toBeNull()
    expect(env.tracks.every((t) => t.readyState === 'ended')).toBe(true)
  })

  it('keeps the live calls for "Join call" and joins one', async () => {
    const env = setup()
    const running = call({ id: 'g1', chatId: 7, state: 'active', participants: [2, 3] })
    env.store.onJoined({ type: 'call:accepted', data: { callId: 'g1', userId: 3, call: running } })
    expect(env.store.joinable(7)?.id).toBe('g1')
    env.replies['call:join'] = { call: { ...running, participants: [2, 3, 1] } }
    await env.store.join(running)
    expect(env.sent.some((c) => c.type === 'call:join')).toBe(true)
    expect(env.store.joinable(7)).toBeNull()
    env.store.onEnded({ type: 'call:ended', data: { callId: 'g1', reason: 'hangup', call: { ...running, state: 'ended' } } })
    expect(env.store.live.has(7)).toBe(false)
  })

  it('through the SFU: a tile per participant, no mesh peers, and out of the call when Janus is unreachable', async () => {
    // A Janus that cannot be reached: the socket closes before it opens, when the test says
    // (closing on a timer raced the tiles' check on a busy machine).
    class Unreachable extends EventTarget {
      static readonly OPEN = 1
      static readonly made: Unreachable[] = []
      readyState = 0
      constructor() {
        super()
        Unreachable.made.push(this)
      }
      fail(): void { this.dispatchEvent(new Event('close')) }
      close(): void { /* never opened */ }
    }
    vi.stubGlobal('WebSocket', Unreachable)
    try {
      const env = setup()
      const { store, sent, replies } = env
      const sfuCall = call({ topology: 'sfu', maxParticipants: 25, participants: [2, 3], state: 'active' })
      store.onIncoming({ type: 'call:incoming', data: { call: sfuCall } })
      replies['call:accept'] = {
        call: { ...sfuCall, participants: [2, 3, 1] },
        sfu: { url: '/janus', room: 9, token: 't', feedId: 1, iceServers: [], iceTransportPolicy: 'all' },
      }
      const accepting = store.accept()
      await vi.waitFor(() => { expect(store.current?.view.tiles.map((t) => t.userId)).toEqual([2, 3]) })
      // Someone else joining is Janus's business, not a peer connection of ours.
      store.onJoined({ type: 'call:participant_joined', data: { callId: 'c1', userId: 4, call: { ...sfuCall, participants: [2, 3, 1, 4] } } })
      await vi.waitFor(() => { expect(Unreachable.made).toHaveLength(1) })
      const [janus] = Unreachable.made
      if (!janus) throw new Error('the call never tried Janus')
      janus.fail()
      await accepting
      expect(FakePeerConnection.created).toHaveLength(0)
      expect(sent.filter((c) => c.type === 'call:signal')).toEqual([])
      expect(store.current).toBeNull()
      expect(sent.at(-1)).toEqual({ type: 'call:end', data: { callId: 'c1' } })
      expect(env.tracks.every((t) => t.readyState === 'ended')).toBe(true)
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
