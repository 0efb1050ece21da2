// One RTCPeerConnection to one remote participant, negotiated with the W3C "perfect
// negotiation" pattern (https://w3c.github.io/webrtc-pc/#perfect-negotiation-example):
// either side may send an offer at any time (a mesh newcomer, a track added, an ICE
// restart), and when both do at once ("glare") the polite side yields and the impolite
// side ignores the other's offer, so both converge on one offer/answer pair without any
// extra round trip. Signals travel as `call:signal` data (docs/calls.md §2).
import type { CallSignalData } from '@/api/types'
import type { CallSignalled } from '@/api/protocol'

/** What arrives in a `call:signal` event's `data`. */
export type IncomingSignal = CallSignalled['data']

/** The part of RTCRtpSender the call code uses (media.ts swaps tracks through it). */
export interface SenderLike {
  readonly track: MediaStreamTrack | null
  replaceTrack(track: MediaStreamTrack | null): Promise<void>
}

export interface IceCandidateEventLike {
  readonly candidate: { toJSON(): RTCIceCandidateInit } | null
}

export interface TrackEventLike {
  readonly track: MediaStreamTrack
  readonly streams: readonly MediaStream[]
}

/**
 * The part of RTCPeerConnection used here. Declared by hand (the real class satisfies
 * it) so tests can pass a small fake. Listeners go through add/removeEventListener, not
 * `on*` properties, so `close()` removes exactly what it added.
 */
export interface PeerConnectionLike {
  readonly signalingState: RTCSignalingState
  readonly connectionState: RTCPeerConnectionState
  readonly localDescription: RTCSessionDescriptionInit | null
  readonly remoteDescription: RTCSessionDescriptionInit | null
  setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void>
  setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void>
  addIceCandidate(candidate: RTCIceCandidateInit): Promise<void>
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): SenderLike
  removeTrack(sender: SenderLike): void
  getSenders(): SenderLike[]
  setConfiguration(configuration: RTCConfiguration): void
  restartIce(): void
  close(): void
  addEventListener(type: 'icecandidate', listener: (event: IceCandidateEventLike) => void): void
  addEventListener(type: 'track', listener: (event: TrackEventLike) => void): void
  addEventListener(type: 'negotiationneeded' | 'connectionstatechange', listener: () => void): void
  removeEventListener(type: 'icecandidate', listener: (event: IceCandidateEventLike) => void): void
  removeEventListener(type: 'track', listener: (event: TrackEventLike) => void): void
  removeEventListener(
    type: 'negotiationneeded' | 'connectionstatechange',
    listener: () => void,
  ): void
}

export type PeerConnectionConstructor = new (configuration?: RTCConfiguration) => PeerConnectionLike

/**
 * Deterministic roles, the same on both ends without a message: the lower user id is
 * polite (it rolls back its own offer on glare), the higher one is impolite (it ignores
 * the incoming offer). Ids are distinct within a call, so exactly one side is polite.
 */
export function isPolite(localUserId: number, remoteUserId: number): boolean {
  return localUserId < remoteUserId
}

export interface PeerOptions {
  localUserId: number
  remoteUserId: number
  /** Sends `call:signal {to: remoteUserId, data}`. Best effort: a lost signal is
   *  recovered by the next negotiation or an ICE restart, so failures are not retried. */
  sendSignal(data: CallSignalData): void
  /** From `GET /api/calls/ice-servers` ({iceServers, iceTransportPolicy}). */
  configuration?: RTCConfiguration
  /** Injected for tests; the browser's RTCPeerConnection by default. */
  PeerConnection?: PeerConnectionConstructor
  onTrack?(event: TrackEventLike): void
  onConnectionStateChange?(state: RTCPeerConnectionState): void
  /** Negotiation errors that are not the peer's fault to report back (the call goes on;
   *  the caller may log them or end the call). */
  onError?(error: unknown): void
}

export class Peer {
  readonly remoteUserId: number
  readonly polite: boolean
  readonly #pc: PeerConnectionLike
  readonly #options: PeerOptions
  // Perfect-negotiation flags (names as in the W3C example).
  #makingOffer = false
  #ignoreOffer = false
  #settingRemoteAnswerPending = false
  // Candidates that arrived while there was no remote description yet: addIceCandidate
  // would reject them (InvalidStateError), so they wait for setRemoteDescription.
  #pendingCandidates: RTCIceCandidateInit[] = []
  #closed = false

  constructor(options: PeerOptions) {
    this.#options = options
    this.remoteUserId = options.remoteUserId
    this.polite = isPolite(options.localUserId, options.remoteUserId)
    const PeerConnection = options.PeerConnection ?? RTCPeerConnection
    this.#pc = new PeerConnection(options.configuration)
    this.#pc.addEventListener('negotiationneeded', this.#onNegotiationNeeded)
    this.#pc.addEventListener('icecandidate', this.#onIceCandidate)
    this.#pc.addEventListener('connectionstatechange', this.#onConnectionStateChange)
    this.#pc.addEventListener('track', this.#onTrack)
  }

  get connectionState(): RTCPeerConnectionState {
    return this.#pc.connectionState
  }

  get signalingState(): RTCSignalingState {
    return this.#pc.signalingState
  }

  get closed(): boolean {
    return this.#closed
  }

  /** Adds a local track; the browser then fires negotiationneeded and we offer. The
   *  track stays owned by the caller (media.ts): `close()` does not stop it. */
  addTrack(track: MediaStreamTrack, ...streams: MediaStream[]): SenderLike {
    return this.#pc.addTrack(track, ...streams)
  }

  /** Stops sending what `sender` sends (a screen shared from an audio call); the browser
   *  then fires negotiationneeded, and the other side's track is muted. */
  removeTrack(sender: SenderLike): void {
    if (!this.#closed) this.#pc.removeTrack(sender)
  }

  getSenders(): SenderLike[] {
    return this.#pc.getSenders()
  }

  /** Restarts ICE, optionally with fresh servers first: TURN credentials expire after
   *  their `ttl` and coturn may refuse to refresh an allocation with an old one
   *  (calls.md §7). The restart's offer goes out through negotiationneeded. */
  restartIce(configuration?: RTCConfiguration): void {
    if (this.#closed) return
    if (configuration) this.#pc.setConfiguration(configuration)
    this.#pc.restartIce()
  }

  /** Applies one `call:signal` from this peer. Never rejects: failures go to onError. */
  async handleSignal(data: IncomingSignal): Promise<void> {
    if (this.#closed) return
    try {
      if ('sdp' in data) await this.#handleDescription(data.sdp)
      else await this.#handleCandidate(data.candidate)
    } catch (error) {
      this.#report(error)
    }
  }

  /** Closes the connection and removes our listeners. Local tracks are not stopped: they
   *  belong to the caller and may still feed the other peers of a mesh. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#pendingCandidates = []
    this.#pc.removeEventListener('negotiationneeded', this.#onNegotiationNeeded)
    this.#pc.removeEventListener('icecandidate', this.#onIceCandidate)
    this.#pc.removeEventListener('connectionstatechange', this.#onConnectionStateChange)
    this.#pc.removeEventListener('track', this.#onTrack)
    this.#pc.close()
  }

  readonly #onNegotiationNeeded = (): void => {
    void this.#makeOffer()
  }

  async #makeOffer(): Promise<void> {
    try {
      this.#makingOffer = true
      // No argument: the browser creates the right description for the current state
      // (an offer here), which avoids the createOffer/setLocalDescription race.
      await this.#pc.setLocalDescription()
      this.#sendLocalDescription()
    } catch (error) {
      this.#report(error)
    } finally {
      this.#makingOffer = false
    }
  }

  async #handleDescription(description: RTCSessionDescriptionInit): Promise<void> {
    // We are ready for an offer when not making one ourselves and stable, or about to be
    // stable because an answer is being applied.
    const readyForOffer =
      !this.#makingOffer &&
      (this.#pc.signalingState === 'stable' || this.#settingRemoteAnswerPending)
    const offerCollision = description.type === 'offer' && !readyForOffer
    this.#ignoreOffer = !this.polite && offerCollision
    if (this.#ignoreOffer) {
      // Our offer wins; the polite side will roll back and answer it. Candidates already
      // queued belong to the offer we drop.
      this.#pendingCandidates = []
      return
    }
    if (offerCollision && this.#pc.signalingState === 'have-local-offer') {
      // Explicit rollback for browsers without implicit rollback in setRemoteDescription.
      // Both are queued at once so nothing can slip between them on the operations chain.
      await Promise.all([
        this.#pc.setLocalDescription({ type: 'rollback' }),
        this.#pc.setRemoteDescription(description),
      ])
    } else {
      this.#settingRemoteAnswerPending = description.type === 'answer'
      try {
        await this.#pc.setRemoteDescription(description)
      } finally {
        this.#settingRemoteAnswerPending = false
      }
    }
    await this.#flushCandidates()
    if (description.type === 'offer') {
      await this.#pc.setLocalDescription()
      this.#sendLocalDescription()
    }
  }

  async #handleCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    // Candidates of an offer we ignored would fail against our own negotiation.
    if (this.#ignoreOffer) return
    if (this.#pc.remoteDescription === null) {
      this.#pendingCandidates.push(candidate)
      return
    }
    await this.#addCandidate(candidate)
  }

  async #flushCandidates(): Promise<void> {
    const queued = this.#pendingCandidates
    this.#pendingCandidates = []
    // In arrival order: the end-of-candidates marker ("") must come last.
    for (const candidate of queued) await this.#addCandidate(candidate)
  }

  async #addCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.#pc.addIceCandidate(candidate)
    } catch (error) {
      // One bad candidate must not stop the others; it is only worth reporting when it
      // was meant for the negotiation we are in.
      if (!this.#ignoreOffer) this.#report(error)
    }
  }

  #sendLocalDescription(): void {
    const local = this.#pc.localDescription
    if (this.#closed || local === null) return
    this.#options.sendSignal({ sdp: { type: local.type, sdp: local.sdp ?? '' } })
  }

  readonly #onIceCandidate = (event: IceCandidateEventLike): void => {
    // null means gathering is complete; the "" end-of-candidates marker arrives as its
    // own candidate before that and is forwarded like any other.
    if (event.candidate === null) return
    const init = event.candidate.toJSON()
    this.#options.sendSignal({
      candidate: {
        candidate: init.candidate ?? '',
        sdpMid: init.sdpMid ?? null,
        sdpMLineIndex: init.sdpMLineIndex ?? null,
        usernameFragment: init.usernameFragment ?? null,
      },
    })
  }

  readonly #onConnectionStateChange = (): void => {
    const state = this.#pc.connectionState
    // 'failed' does not recover on its own (unlike 'disconnected'): a restart gathers new
    // candidates and renegotiates through negotiationneeded. Either side may do it; a
    // simultaneous restart is just another glare that perfect negotiation resolves.
    if (state === 'failed') this.restartIce()
    this.#options.onConnectionStateChange?.(state)
  }

  readonly #onTrack = (event: TrackEventLike): void => {
    this.#options.onTrack?.(event)
  }

  #report(error: unknown): void {
    if (this.#options.onError) this.#options.onError(error)
    else console.warn('call peer:', error)
  }
}
