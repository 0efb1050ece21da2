import { afterEach, describe, expect, it } from 'vitest'
import type { CallSignalData } from '@/api/types'
import { FakePeerConnection, FakeTrack } from './fakePeerConnection'
import { isPolite, Peer, type IncomingSignal } from './peer'

// Lets the fake's operations chain (one macrotask per operation) and queued deliveries run.
async function settle(): Promise<void> {
  for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 0))
}

// What the server relays: the same data, with the output shape (docs/calls.md §2).
function relay(data: CallSignalData): IncomingSignal {
  if ('sdp' in data) return { sdp: { type: data.sdp.type, sdp: data.sdp.sdp ?? '' } }
  const c = data.candidate
  return {
    candidate: {
      candidate: c.candidate,
      sdpMid: c.sdpMid ?? null,
      sdpMLineIndex: c.sdpMLineIndex ?? null,
      usernameFragment: c.usernameFragment ?? null,
    },
  }
}

function lonePeer(local = 1, remote = 2) {
  const sent: CallSignalData[] = []
  const errors: unknown[] = []
  const states: RTCPeerConnectionState[] = []
  const peer = new Peer({
    localUserId: local,
    remoteUserId: remote,
    sendSignal: (data) => sent.push(data),
    PeerConnection: FakePeerConnection,
    onError: (e) => errors.push(e),
    onConnectionStateChange: (s) => states.push(s),
  })
  const pc = FakePeerConnection.created.at(-1)
  if (!pc) throw new Error('no pc')
  return { peer, pc, sent, errors, states }
}

afterEach(() => {
  FakePeerConnection.created = []
})

describe('isPolite', () => {
  it('makes exactly one side polite: the lower id', () => {
    expect(isPolite(3, 7)).toBe(true)
    expect(isPolite(7, 3)).toBe(false)
  })
})

describe('Peer', () => {
  it('offers on negotiationneeded and sends the local description', async () => {
    const { peer, pc, sent } = lonePeer()
    peer.addTrack(new FakeTrack('audio').asTrack())
    await settle()
    expect(pc.log).toEqual(['addTrack:audio', 'setLocalDescription:offer'])
    expect(sent).toEqual([{ sdp: { type: 'offer', sdp: 'offer 1.1' } }])
  })

  it('answers an offer', async () => {
    const { peer, pc, sent } = lonePeer()
    await peer.handleSignal({ sdp: { type: 'offer', sdp: 'remote offer' } })
    expect(pc.log).toEqual(['setRemoteDescription:offer', 'setLocalDescription:answer'])
    expect(sent).toEqual([{ sdp: { type: 'answer', sdp: 'answer 1' } }])
    expect(pc.signalingState).toBe('stable')
  })

  it('queues candidates that arrive before the remote description, applies them after', async () => {
    const { peer, pc, errors } = lonePeer()
    const cand = (candidate: string) =>
      ({ candidate: { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'u' } }) as const
    await peer.handleSignal(cand('c1'))
    await peer.handleSignal(cand('c2'))
    expect(pc.log).toEqual([])
    // Delivered concurrently, as a socket handler would: the offer is still being applied
    // when the third candidate arrives.
    const offer = peer.handleSignal({ sdp: { type: 'offer', sdp: 'o' } })
    const late = peer.handleSignal(cand(''))
    await Promise.all([offer, late])
    await settle()
    expect(pc.log).toEqual([
      'setRemoteDescription:offer',
      'addIceCandidate:c1',
      'addIceCandidate:c2',
      'addIceCandidate:',
      'setLocalDescription:answer',
    ])
    expect(errors).toEqual([])
    // Once there is a remote description, a candidate goes straight in.
    await peer.handleSignal(cand('c3'))
    expect(pc.log.at(-1)).toBe('addIceCandidate:c3')
  })

  it('forwards gathered candidates in the server shape, skipping the null end', () => {
    const { pc, sent } = lonePeer()
    pc.gather({ candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host', sdpMid: '0', sdpMLineIndex: 0 })
    pc.gather({ candidate: '' })
    pc.gather(null)
    expect(sent).toEqual([
      {
        candidate: {
          candidate: 'candidate:1 1 udp 1 127.0.0.1 5000 typ host',
          sdpMid: '0',
          sdpMLineIndex: 0,
          usernameFragment: null,
        },
      },
      { candidate: { candidate: '', sdpMid: null, sdpMLineIndex: null, usernameFragment: null } },
    ])
  })

  it('restarts ICE when the connection fails, and offers again', async () => {
    const { peer, pc, sent, states } = lonePeer()
    peer.addTrack(new FakeTrack('audio').asTrack())
    await settle()
    await peer.handleSignal({ sdp: { type: 'answer', sdp: 'a' } })
    pc.setConnectionState('connected')
    pc.setConnectionState('failed')
    await settle()
    expect(states).toEqual(['connected', 'failed'])
    expect(pc.log).toEqual([
      'addTrack:audio',
      'setLocalDescription:offer',
      'setRemoteDescription:answer',
      'restartIce',
      'setLocalDescription:offer',
    ])
    expect(sent.filter((s) => 'sdp' in s)).toHaveLength(2)
  })

  it('restarts with fresh ICE servers when given', () => {
    const { peer, pc } = lonePeer()
    peer.restartIce({ iceServers: [{ urls: 'turn:t.example:3478', username: 'u', credential: 'c' }] })
    expect(pc.log).toEqual(['setConfiguration', 'restartIce'])
    expect(pc.configuration?.iceServers).toHaveLength(1)
  })

  it('close() removes its listeners, closes the pc and stops no track', async () => {
    const { peer, pc, sent } = lonePeer()
    const track = new FakeTrack('video')
    peer.addTrack(track.asTrack())
    expect(pc.listenerCount()).toBe(4)
    peer.close()
    expect(pc.listenerCount()).toBe(0)
    expect(pc.log).toContain('close')
    expect(track.readyState).toBe('live')
    await settle()
    await peer.handleSignal({ sdp: { type: 'offer', sdp: 'late' } })
    expect(sent).toEqual([])
    expect(pc.log).not.toContain('setRemoteDescription:offer')
  })

  it('converges after glare: both stable, exactly one offer/answer pair accepted', async () => {
    const wire: { a?: Peer; b?: Peer } = {}
    // Each side's signals reach the other a macrotask later, like a socket.
    const deliver = (to: 'a' | 'b') => (data: CallSignalData) => {
      setTimeout(() => void wire[to]?.handleSignal(relay(data)), 0)
    }
    const errors: unknown[] = []
    const a = new Peer({
      localUserId: 3,
      remoteUserId: 7,
      sendSignal: deliver('b'),
      PeerConnection: FakePeerConnection,
      onError: (e) => errors.push(e),
    })
    const b = new Peer({
      localUserId: 7,
      remoteUserId: 3,
      sendSignal: deliver('a'),
      PeerConnection: FakePeerConnection,
      onError: (e) => errors.push(e),
    })
    wire.a = a
    wire.b = b
    const [pcA, pcB] = FakePeerConnection.created
    if (!pcA || !pcB) throw new Error('no pcs')
    expect(a.polite).toBe(true)
    expect(b.polite).toBe(false)

    // Both add a track at once: both offer, the offers cross.
    a.addTrack(new FakeTrack('audio').asTrack())
    b.addTrack(new FakeTrack('audio').asTrack())
    await settle()

    expect(errors).toEqual([])
    expect(pcA.signalingState).toBe('stable')
    expect(pcB.signalingState).toBe('stable')
    const all = [...pcA.log, ...pcB.log]
    expect(all.filter((l) => l === 'setRemoteDescription:offer')).toHaveLength(1)
    expect(all.filter((l) => l === 'setRemoteDescription:answer')).toHaveLength(1)
    // The polite side (3) gave up its offer and answered the impolite side's (7).
    expect(pcA.log.filter((l) => l.includes('rollback'))).toHaveLength(1)
    expect(pcA.log).toContain('setLocalDescription:answer')
    expect(pcB.log).not.toContain('setRemoteDescription:offer')
    expect(pcA.remoteDescription).toEqual({ type: 'offer', sdp: 'offer 2.1' })
    expect(pcB.remoteDescription).toEqual({ type: 'answer', sdp: 'answer 1' })
    expect(pcA.stableRemote).toEqual(pcA.remoteDescription)
  })

  it('drops candidates of an offer the impolite side ignored', async () => {
    const { peer, pc, errors } = lonePeer(7, 3)
    peer.addTrack(new FakeTrack('audio').asTrack())
    await settle()
    expect(pc.signalingState).toBe('have-local-offer')
    await peer.handleSignal({ sdp: { type: 'offer', sdp: 'theirs' } })
    await peer.handleSignal({
      candidate: { candidate: 'c-of-ignored', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'x' },
    })
    await peer.handleSignal({ sdp: { type: 'answer', sdp: 'answer to ours' } })
    await settle()
    expect(pc.log).toEqual(['addTrack:audio', 'setLocalDescription:offer', 'setRemoteDescription:answer'])
    expect(errors).toEqual([])
  })
})
