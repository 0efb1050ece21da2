// One call on this tab: its state machine, the local media, and a Peer per remote
// participant (a mesh, docs/calls.md §2). Plain TypeScript with a small reactive `view` for
// the UI; the Pinia store (store.ts) decides *when* things happen, this class *how*.
import { markRaw, reactive } from 'vue'
import type { Call, CallSignalData } from '@/api/types'
import { CallMachine, CallState, type EndReason } from './machine'
import { LocalMedia, type CallMedia, type MediaDevicesLike } from './media'
import { Peer, type IncomingSignal, type PeerConnectionConstructor } from './peer'

/** One remote participant as the UI shows it. */
export interface Tile {
  userId: number
  connection: RTCPeerConnectionState
  /** markRaw: a Vue proxy of a MediaStream cannot be assigned to `srcObject`. */
  stream: MediaStream | null
}

export interface CallView {
  state: CallState
  tiles: Tile[]
  localStream: MediaStream | null
  muted: boolean
  cameraOff: boolean
  sharing: boolean
  /** ISO time of the first answer (the timer counts from it); null while ringing. */
  answeredAt: string | null
}

export interface SessionOptions {
  call: Call
  me: number
  devices: MediaDevicesLike
  PeerConnection?: PeerConnectionConstructor
  sendSignal(to: number, data: CallSignalData): void
  /** ICE could not come back within RECONNECT_MS: the store ends the call. */
  onConnectionLost(): void
}

// The newcomer waits this long for the others' offers before offering itself (see
// addPeer). Long enough for a round trip on a slow link, short enough not to be noticed.
export const ANSWER_WAIT_MS = 4000
// After the media path is lost, Peer restarts ICE; give up if that has not worked by then.
export const RECONNECT_MS = 30_000

interface Entry {
  peer: Peer
  tracksAdded: boolean
  fallback: ReturnType<typeof setTimeout> | null
}

export class CallSession {
  /** '' until `call:start` is acknowledged (media is obtained before). */
  id: string
  readonly chatId: number
  readonly media: CallMedia
  readonly initiatorId: number
  readonly machine = new CallMachine()
  readonly local: LocalMedia
  readonly view: CallView
  config: RTCConfiguration = {}
  participants: number[]
  readonly #options: SessionOptions
  readonly #peers = new Map<number, Entry>()
  #reconnectTimer: ReturnType<typeof setTimeout> | null = null

  constructor(options: SessionOptions) {
    this.#options = options
    this.id = options.call.id
    this.chatId = options.call.chatId
    this.media = options.call.media
    this.initiatorId = options.call.initiatorId
    this.participants = options.call.participants
    this.view = reactive<CallView>({
      state: CallState.Idle, tiles: [], localStream: null, muted: false, cameraOff: false,
      sharing: false, answeredAt: options.call.answeredAt,
    })
    this.local = new LocalMedia({
      devices: options.devices,
      // Our video senders, one per peer: screen sharing swaps their track in place.
      videoSenders: () =>
        [...this.#peers.values()].flatMap(({ peer }) =>
          peer.getSenders().filter((s) => s.track?.kind === 'video')),
      onScreenShareEnded: () => { this.view.sharing = false },
    })
    this.machine.onChange((state) => { this.view.state = state })
  }

  get me(): number {
    return this.#options.me
  }

  /** getUserMedia; throws MediaAccessError with the end reason. */
  async startMedia(): Promise<void> {
    const others = Math.max(1, this.participants.length - 1)
    const stream = await this.local.start(this.media, others)
    this.view.localStream = markRaw(stream)
  }

  /** Takes the server's latest call object (id, answeredAt, participants). */
  update(call: Call): void {
    this.id = call.id
    this.participants = call.participants
    this.view.answeredAt ??= call.answeredAt
  }

  hasPeer(userId: number): boolean {
    return this.#peers.has(userId)
  }

  /**
   * A peer connection to `userId`. Who offers: the side already in the call (`offerer`)
   * adds its tracks at once, so its negotiationneeded sends the offer; the newcomer adds
   * its tracks just before applying that offer, where they join the offer's m-lines and
   * go out in the answer with no second round. Only one side starts, so there is no glare
   * in the common case (Peer still resolves one, e.g. if the fallback below fires while
   * an offer is in flight). A participant who rejoined gets a fresh connection.
   */
  addPeer(userId: number, offerer: boolean): void {
    if (userId === this.me) return
    this.removePeer(userId)
    const peer = new Peer({
      localUserId: this.me,
      remoteUserId: userId,
      configuration: this.config,
      ...(this.#options.PeerConnection ? { PeerConnection: this.#options.PeerConnection } : {}),
      sendSignal: (data) => { this.#options.sendSignal(userId, data) },
      onTrack: (event) => { this.#onTrack(userId, event.track, event.streams[0]) },
      onConnectionStateChange: (state) => { this.#onConnectionState(userId, state) },
    })
    const entry: Entry = { peer, tracksAdded: false, fallback: null }
    this.#peers.set(userId, entry)
    this.view.tiles = [...this.view.tiles, { userId, connection: 'new', stream: null }]
    if (offerer) this.#addTracks(entry)
    // The offer may have been lost (signaling is best effort): then offer ourselves.
    else entry.fallback = setTimeout(() => { this.#addTracks(entry) }, ANSWER_WAIT_MS)
  }

  removePeer(userId: number): void {
    const entry = this.#peers.get(userId)
    if (!entry) return
    if (entry.fallback) clearTimeout(entry.fallback)
    entry.peer.close()
    this.#peers.delete(userId)
    this.view.tiles = this.view.tiles.filter((t) => t.userId !== userId)
  }

  /** Closes every peer connection (a rejoin after a socket loss renegotiates from scratch). */
  removeAllPeers(): void {
    for (const userId of [...this.#peers.keys()]) this.removePeer(userId)
  }

  handleSignal(from: number, data: IncomingSignal): void {
    let entry = this.#peers.get(from)
    if (!entry) {
      // An offer from someone we have no connection with yet (their event overtook ours).
      this.addPeer(from, false)
      entry = this.#peers.get(from)
    }
    if (!entry) return
    if ('sdp' in data && data.sdp.type === 'offer') this.#addTracks(entry)
    void entry.peer.handleSignal(data)
  }

  setMuted(muted: boolean): void {
    this.local.setAudioMuted(muted)
    this.view.muted = this.local.audioMuted
  }

  setCameraOff(off: boolean): void {
    this.local.setCameraOff(off)
    this.view.cameraOff = this.local.cameraOff
  }

  async setSharing(on: boolean): Promise<void> {
    if (on) await this.local.startScreenShare()
    else await this.local.stopScreenShare()
    this.view.sharing = this.local.sharingScreen
  }

  /** Every way out ends here: peers closed, every track stopped, the machine ended. */
  close(reason: EndReason): void {
    this.removeAllPeers()
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer)
    this.#reconnectTimer = null
    this.local.stopAll()
    this.view.localStream = null
    this.view.sharing = false
    // The server's call:ended may race our own hang-up: end() throws the second time.
    if (!this.machine.ended) this.machine.end(reason)
  }

  #addTracks(entry: Entry): void {
    if (entry.fallback) clearTimeout(entry.fallback)
    entry.fallback = null
    const stream = this.local.stream
    if (entry.tracksAdded || entry.peer.closed || !stream) return
    entry.tracksAdded = true
    for (const track of stream.getAudioTracks()) entry.peer.addTrack(track, stream)
    // While sharing, a newcomer gets the screen, not the camera.
    const video = this.local.outgoingVideoTrack
    if (video) entry.peer.addTrack(video, stream)
  }

  #onTrack(userId: number, track: MediaStreamTrack, stream: MediaStream | undefined): void {
    const tile = this.view.tiles.find((t) => t.userId === userId)
    if (!tile) return
    let remote = stream ?? tile.stream
    if (!remote) remote = new MediaStream([track])
    else if (!remote.getTracks().includes(track)) remote.addTrack(track)
    tile.stream = markRaw(remote)
  }

  #onConnectionState(userId: number, state: RTCPeerConnectionState): void {
    const tile = this.view.tiles.find((t) => t.userId === userId)
    if (tile) tile.connection = state
    const machine = this.machine
    const anyConnected = this.view.tiles.some((t) => t.connection === 'connected')
    if (anyConnected) {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer)
      this.#reconnectTimer = null
      if (machine.can(CallState.Connected) && machine.state !== CallState.Connected) {
        machine.transition(CallState.Connected)
      }
    } else if ((state === 'failed' || state === 'disconnected') && machine.state === CallState.Connected) {
      // Peer restarts ICE on 'failed'; 'disconnected' often recovers on its own.
      machine.transition(CallState.Reconnecting)
      this.#reconnectTimer ??= setTimeout(() => {
        this.#reconnectTimer = null
        this.#options.onConnectionLost()
      }, RECONNECT_MS)
    }
  }
}
