// One call on this tab: its state machine, the local media, and either a Peer per remote
// participant (a mesh, docs/calls.md §2) or one link to the call's Janus room (a group call
// through the SFU, §9; sfu/ is loaded only then). Plain TypeScript with a small reactive
// `view` for the UI; the Pinia store (store.ts) decides *when* things happen, this class *how*.
import { markRaw, reactive } from 'vue'
import type { Call, CallSignalData, SfuAccess } from '@/api/types'
import { CallMachine, CallState, type EndReason } from './machine'
import { LocalMedia, type CallMedia, type MediaDevicesLike } from './media'
import { Peer, type IncomingSignal, type PeerConnectionConstructor, type SenderLike } from './peer'
import { SfuLink } from './sfuLink'
import type { FeedState, RoomExit } from './sfu/room'

/** One remote participant as the UI shows it. */
export interface Tile {
  userId: number
  connection: RTCPeerConnectionState
  /** markRaw: a Vue proxy of a MediaStream cannot be assigned to `srcObject`. */
  stream: MediaStream | null
  /** They send video now (camera on, or a screen): from their published state through the
   *  SFU; in a mesh, from their video track (an audio call gets one when they share). */
  video: boolean
  /** Muted, as they announced it (SFU); null when unknown (a mesh). */
  muted: boolean | null
  /** Janus hears them talking (SFU): the active speaker's tile is highlighted. */
  talking: boolean
}

export interface CallView {
  state: CallState
  topology: Call['topology']
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
  /** The SFU let us go (kicked, room destroyed, Janus gone): the store leaves the call. */
  onSfuExit?(reason: RoomExit): void
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
  /** A screen shared from an audio call: a track added for the share, removed after it. */
  screen: SenderLike | null
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
  readonly #sfu: SfuLink
  #uplink: RTCPeerConnectionState = 'new'

  constructor(options: SessionOptions) {
    this.#options = options
    this.id = options.call.id
    this.chatId = options.call.chatId
    this.media = options.call.media
    this.initiatorId = options.call.initiatorId
    this.participants = options.call.participants
    this.view = reactive<CallView>({
      state: CallState.Idle, topology: options.call.topology, tiles: [], localStream: null,
      muted: false, cameraOff: false, sharing: false, answeredAt: options.call.answeredAt,
    })
    this.#sfu = new SfuLink({
      view: this.view,
      me: options.me,
      tile: (userId) => this.#tile(userId),
      onUplink: (state) => { this.#onUplink(state) },
      onExit: (reason) => { options.onSfuExit?.(reason) },
    })
    this.local = new LocalMedia({
      devices: options.devices,
      // Our video senders, one per peer or the one to Janus: screen sharing swaps their
      // track in place.
      videoSenders: () => {
        const sender = this.#sfu.videoSender
        if (sender) return [sender]
        return [...this.#peers.values()].flatMap(({ peer }) =>
          peer.getSenders().filter((s) => s.track?.kind === 'video'))
      },
      sendVideo: (track) => { this.#sendScreen(track) },
      onScreenShareEnded: () => {
        this.view.sharing = false
        this.#announce()
      },
    })
    this.machine.onChange((state) => { this.view.state = state })
    // Through the SFU, a caller publishes while the others are still rung: once someone
    // answers, the uplink may be up already.
    this.machine.onChange((state) => {
      if (state === CallState.Connecting && this.#sfu.joined && this.#uplink === 'connected') {
        this.machine.transition(CallState.Connected)
      }
    })
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

  /** Takes the server's latest call object (id, answeredAt, participants, topology). */
  update(call: Call): void {
    this.id = call.id
    this.participants = call.participants
    this.view.topology = call.topology
    this.view.answeredAt ??= call.answeredAt
    if (this.sfu) this.#sfu.setParticipants(call.participants)
  }

  get sfu(): boolean {
    return this.view.topology === 'sfu'
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
    if (userId === this.me || this.sfu) return // through the SFU, Janus's feeds make the tiles
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
    const entry: Entry = { peer, tracksAdded: false, fallback: null, screen: null }
    this.#peers.set(userId, entry)
    this.view.tiles = [...this.view.tiles, this.#tile(userId)]
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
    if (this.sfu) return
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
    this.#announce()
  }

  setCameraOff(off: boolean): void {
    this.local.setCameraOff(off)
    this.view.cameraOff = this.local.cameraOff
    this.#announce()
  }

  async setSharing(on: boolean): Promise<void> {
    if (on) await this.local.startScreenShare()
    else await this.local.stopScreenShare()
    this.view.sharing = this.local.sharingScreen
    this.#announce()
  }

  /** Joins the call's Janus room with the access from our ack (sfuLink.ts). Resolves
   *  false if the session moved on meanwhile; throws if Janus refuses us or is unreachable. */
  async joinSfu(access: SfuAccess): Promise<boolean> {
    const stream = this.local.stream
    if (!stream || this.machine.ended) return false
    const joined = await this.#sfu.join(access, stream, this.local.outgoingVideoTrack, this.#feedState())
    // Hung up while Janus answered (a method: TypeScript would keep the narrowing above).
    if (joined && this.#ended()) this.#sfu.leave()
    return joined && !this.#ended()
  }

  #ended(): boolean {
    return this.machine.ended
  }

  /** Out of the Janus room (before rejoining from a new socket, or at the end). */
  leaveSfu(): void {
    this.#sfu.leave()
    this.#uplink = 'new'
  }

  /** Every way out ends here: peers closed, every track stopped, the machine ended. */
  close(reason: EndReason): void {
    this.leaveSfu()
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
    if (!video) return
    const sender = entry.peer.addTrack(video, stream)
    if (this.media === 'audio') entry.screen = sender
  }

  /** A screen shared from an audio call of a mesh: the peers have no video sender to swap
   *  its track into, so the screen goes out as a track of its own (a renegotiation, which
   *  perfect negotiation handles), and is taken out again when the share ends (null). */
  #sendScreen(track: MediaStreamTrack | null): void {
    if (this.#sfu.joined) return // Janus's video m-line is always there: replaceTrack did it
    for (const entry of this.#peers.values()) {
      if (track && !entry.screen && entry.tracksAdded && !entry.peer.getSenders().some((s) => s.track?.kind === 'video')) {
        entry.screen = entry.peer.addTrack(track, ...(this.local.stream ? [this.local.stream] : []))
      } else if (!track && entry.screen) {
        entry.peer.removeTrack(entry.screen)
        entry.screen = null
      }
    }
  }

  #tile(userId: number): Tile {
    return { userId, connection: 'new', stream: null, video: this.media === 'video', muted: null, talking: false }
  }

  #feedState(): FeedState {
    const video = this.local.sharingScreen || (this.media === 'video' && !this.local.cameraOff)
    return { muted: this.local.audioMuted, video }
  }

  #announce(): void {
    this.#sfu.announce(this.#feedState())
  }

  #onTrack(userId: number, track: MediaStreamTrack, stream: MediaStream | undefined): void {
    const tile = this.view.tiles.find((t) => t.userId === userId)
    if (!tile) return
    let remote = stream ?? tile.stream
    if (!remote) remote = new MediaStream([track])
    else if (!remote.getTracks().includes(track)) remote.addTrack(track)
    if (track.kind === 'video' && this.media === 'audio') {
      // A screen shared from an audio call: shown while frames come (the sender removes
      // its track when the share ends, which mutes ours).
      tile.video = !track.muted
      track.addEventListener('unmute', () => { tile.video = true })
      track.addEventListener('mute', () => { tile.video = false })
      track.addEventListener('ended', () => { tile.video = false })
      // A new object: the same stream with a track more would not re-render the tile.
      remote = new MediaStream(remote.getTracks())
    }
    tile.stream = markRaw(remote)
  }

  /** Our uplink to Janus is what makes an SFU call connected. */
  #onUplink(state: RTCPeerConnectionState): void {
    this.#uplink = state
    const machine = this.machine
    if (state === 'connected') {
      if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer)
      this.#reconnectTimer = null
      if (machine.can(CallState.Connected) && machine.state !== CallState.Connected) {
        machine.transition(CallState.Connected)
      }
    } else if ((state === 'failed' || state === 'disconnected') && machine.state === CallState.Connected) {
      machine.transition(CallState.Reconnecting)
      if (state === 'failed') this.#sfu.restartIce()
      this.#reconnectTimer ??= setTimeout(() => {
        this.#reconnectTimer = null
        this.#options.onConnectionLost()
      }, RECONNECT_MS)
    }
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
