// A test double for RTCPeerConnection: a small signaling-state machine with the browser's
// operations chain (each call waits for the previous), implicit and explicit rollback, and
// a log of every call so tests can pin their order. No media, no ICE.
import type {
  IceCandidateEventLike,
  PeerConnectionLike,
  SenderLike,
  TrackEventLike,
} from './peer'

type Listener = (event: never) => void

export class FakeSender implements SenderLike {
  constructor(public track: MediaStreamTrack | null) {}
  readonly replaced: (MediaStreamTrack | null)[] = []
  replaceTrack(track: MediaStreamTrack | null): Promise<void> {
    this.replaced.push(track)
    this.track = track
    return Promise.resolve()
  }
}

function invalidState(message: string): DOMException {
  return new DOMException(message, 'InvalidStateError')
}

export class FakePeerConnection implements PeerConnectionLike {
  static created: FakePeerConnection[] = []
  readonly id: number
  readonly log: string[] = []
  signalingState: RTCSignalingState = 'stable'
  connectionState: RTCPeerConnectionState = 'new'
  localDescription: RTCSessionDescriptionInit | null = null
  remoteDescription: RTCSessionDescriptionInit | null = null
  readonly senders: FakeSender[] = []
  readonly listeners = new Map<string, Set<Listener>>()
  configuration: RTCConfiguration | undefined
  #chain: Promise<unknown> = Promise.resolve()
  #offers = 0
  #stableLocal: RTCSessionDescriptionInit | null = null
  #stableRemote: RTCSessionDescriptionInit | null = null

  constructor(configuration?: RTCConfiguration) {
    this.configuration = configuration
    this.id = FakePeerConnection.created.length + 1
    FakePeerConnection.created.push(this)
  }

  // Like the browser: operations run one at a time, each a macrotask later, so the
  // signaling state seen synchronously can lag behind what is queued.
  #enqueue(op: () => void): Promise<void> {
    const run = this.#chain.then(
      () =>
        new Promise<void>((resolve, reject) =>
          setTimeout(() => {
            try {
              op()
              resolve()
            } catch (error) {
              reject(error instanceof Error ? error : new Error(String(error)))
            }
          }, 0),
        ),
    )
    this.#chain = run.catch(() => undefined)
    return run
  }

  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    return this.#enqueue(() => {
      const state = this.signalingState
      if (description?.type === 'rollback') {
        if (state !== 'have-local-offer') throw invalidState(`rollback in ${state}`)
        this.log.push('setLocalDescription:rollback')
        this.signalingState = 'stable'
        this.localDescription = this.#stableLocal
        return
      }
      const type =
        description?.type ?? (state === 'have-remote-offer' ? 'answer' : 'offer')
      if (type === 'offer') {
        if (state !== 'stable' && state !== 'have-local-offer') throw invalidState(`offer in ${state}`)
        this.#offers += 1
        this.localDescription = { type, sdp: `offer ${this.id}.${this.#offers}` }
        this.signalingState = 'have-local-offer'
      } else {
        if (state !== 'have-remote-offer') throw invalidState(`answer in ${state}`)
        this.localDescription = { type: 'answer', sdp: `answer ${this.id}` }
        this.#settle()
      }
      this.log.push(`setLocalDescription:${type}`)
    })
  }

  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    return this.#enqueue(() => {
      if (description.type === 'offer') {
        if (this.signalingState === 'have-local-offer') {
          // Implicit rollback, as current browsers do.
          this.log.push('implicit-rollback')
          this.signalingState = 'stable'
          this.localDescription = this.#stableLocal
        }
        if (this.signalingState !== 'stable') throw invalidState(`remote offer in ${this.signalingState}`)
        this.remoteDescription = description
        this.signalingState = 'have-remote-offer'
      } else if (description.type === 'answer') {
        if (this.signalingState !== 'have-local-offer') {
          throw invalidState(`remote answer in ${this.signalingState}`)
        }
        this.remoteDescription = description
        this.#settle()
      } else {
        throw invalidState(`unsupported ${description.type}`)
      }
      this.log.push(`setRemoteDescription:${description.type}`)
    })
  }

  #settle(): void {
    this.signalingState = 'stable'
    this.#stableLocal = this.localDescription
    this.#stableRemote = this.remoteDescription
  }

  get stableRemote(): RTCSessionDescriptionInit | null {
    return this.#stableRemote
  }

  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    return this.#enqueue(() => {
      if (this.remoteDescription === null) throw invalidState('no remote description')
      this.log.push(`addIceCandidate:${candidate.candidate ?? ''}`)
    })
  }

  addTrack(track: MediaStreamTrack): SenderLike {
    const sender = new FakeSender(track)
    this.senders.push(sender)
    this.log.push(`addTrack:${track.kind}`)
    setTimeout(() => {
      this.emit('negotiationneeded')
    }, 0)
    return sender
  }

  removeTrack(sender: SenderLike): void {
    const index = this.senders.findIndex((s) => s === sender)
    if (index < 0) return
    this.senders.splice(index, 1)
    this.log.push(`removeTrack:${sender.track?.kind ?? 'none'}`)
    setTimeout(() => {
      this.emit('negotiationneeded')
    }, 0)
  }

  getSenders(): SenderLike[] {
    return [...this.senders]
  }

  setConfiguration(configuration: RTCConfiguration): void {
    this.configuration = configuration
    this.log.push('setConfiguration')
  }

  restartIce(): void {
    this.log.push('restartIce')
    setTimeout(() => {
      this.emit('negotiationneeded')
    }, 0)
  }

  close(): void {
    this.log.push('close')
    this.signalingState = 'closed'
    this.connectionState = 'closed'
  }

  addEventListener(type: 'icecandidate', listener: (event: IceCandidateEventLike) => void): void
  addEventListener(type: 'track', listener: (event: TrackEventLike) => void): void
  addEventListener(type: 'negotiationneeded' | 'connectionstatechange', listener: () => void): void
  addEventListener(type: string, listener: Listener): void {
    let set = this.listeners.get(type)
    if (!set) this.listeners.set(type, (set = new Set()))
    set.add(listener)
  }

  removeEventListener(type: 'icecandidate', listener: (event: IceCandidateEventLike) => void): void
  removeEventListener(type: 'track', listener: (event: TrackEventLike) => void): void
  removeEventListener(
    type: 'negotiationneeded' | 'connectionstatechange',
    listener: () => void,
  ): void
  removeEventListener(type: string, listener: Listener): void {
    this.listeners.get(type)?.delete(listener)
  }

  listenerCount(): number {
    let n = 0
    for (const set of this.listeners.values()) n += set.size
    return n
  }

  emit(type: 'negotiationneeded' | 'connectionstatechange'): void
  emit(type: 'icecandidate', event: IceCandidateEventLike): void
  emit(type: string, event?: unknown): void {
    for (const listener of [...(this.listeners.get(type) ?? [])]) {
      ;(listener as (event: unknown) => void)(event)
    }
  }

  /** Test helper: the ICE agent reports a new connection state. */
  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state
    this.emit('connectionstatechange')
  }

  /** Test helper: the ICE agent gathered a candidate (null: gathering complete). */
  gather(candidate: RTCIceCandidateInit | null): void {
    this.emit('icecandidate', { candidate: candidate && { toJSON: () => candidate } })
  }
}

/** A stand-in MediaStreamTrack: only what the call code touches. */
export class FakeTrack extends EventTarget {
  enabled = true
  readyState: MediaStreamTrackState = 'live'
  constructor(
    readonly kind: 'audio' | 'video',
    readonly label: string = kind,
  ) {
    super()
  }
  stop(): void {
    this.readyState = 'ended'
  }
  /** The browser ended it on its own (e.g. its "Stop sharing" button). */
  endByBrowser(): void {
    this.readyState = 'ended'
    this.dispatchEvent(new Event('ended'))
  }
  // The call code takes real DOM types; this double implements the part it uses.
  asTrack(): MediaStreamTrack {
    return this as unknown as MediaStreamTrack
  }
}

export function fakeStream(tracks: FakeTrack[]): MediaStream {
  const stream = {
    getTracks: () => tracks.map((t) => t.asTrack()),
    getAudioTracks: () => tracks.filter((t) => t.kind === 'audio').map((t) => t.asTrack()),
    getVideoTracks: () => tracks.filter((t) => t.kind === 'video').map((t) => t.asTrack()),
  }
  // As above: only these three methods are used by media.ts.
  return stream as unknown as MediaStream
}
