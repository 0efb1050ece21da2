// Our uplink to the VideoRoom: a publisher handle and its sendonly PeerConnection, one audio
// and one video m-line. The video m-line is there in audio calls too, empty until a screen
// is shared, so screen sharing (and the camera coming back) is a replaceTrack on one sender,
// never a renegotiation that every subscriber would have to follow.
import { JanusError, type Handle, type Janus, type PluginMessage } from './janus'
import { encodeFeedState, type FeedState } from './feedState'

/** Janus answers a join with an id still held by our previous session (a reload whose old
 *  socket Janus has not dropped yet; the server also kicks it when we rejoin). */
const ID_EXISTS = 436
const JOIN_ATTEMPTS = 10
const JOIN_RETRY_MS = 500

/** A publisher already in the room, as `joined` and `publishers` list them. */
export interface RemotePublisher {
  id: number
  display: unknown
}

export function publishersOf(data: Record<string, unknown>): RemotePublisher[] {
  const list = Array.isArray(data.publishers) ? (data.publishers as unknown[]) : []
  const out: RemotePublisher[] = []
  for (const item of list) {
    if (typeof item !== 'object' || item === null) continue
    const entry = item as Record<string, unknown>
    if (typeof entry.id !== 'number' || entry.dummy === true) continue
    out.push({ id: entry.id, display: entry.display })
  }
  return out
}

export interface PublisherOptions {
  janus: Janus
  room: number
  feedId: number
  token: string
  configuration: RTCConfiguration
  stream: MediaStream
  /** The video to send now (camera, screen) or null. */
  video: MediaStreamTrack | null
  state: FeedState
  /** Room notifications that reach our publisher handle (others joining, leaving...). */
  onEvent(message: PluginMessage): void
  onConnection(state: RTCPeerConnectionState): void
}

export class Publisher {
  readonly pc: RTCPeerConnection
  /** Who was publishing when we joined; later ones arrive as `publishers` events. */
  publishers: RemotePublisher[] = []
  privateId = 0
  readonly #options: PublisherOptions
  #handle: Handle | null = null
  #video: RTCRtpSender
  #remoteSet = false
  #early: RTCIceCandidateInit[] = []
  #closed = false

  constructor(options: PublisherOptions) {
    this.#options = options
    this.pc = new RTCPeerConnection(options.configuration)
    const { stream } = options
    for (const track of stream.getAudioTracks()) this.pc.addTransceiver(track, { direction: 'sendonly', streams: [stream] })
    this.#video = this.pc.addTransceiver(options.video ?? 'video', { direction: 'sendonly', streams: [stream] }).sender
    this.pc.addEventListener('connectionstatechange', () => { options.onConnection(this.pc.connectionState) })
    this.pc.addEventListener('icecandidate', (event) => { this.#handle?.trickle(event.candidate?.toJSON() ?? null) })
  }

  get videoSender(): RTCRtpSender {
    return this.#video
  }

  /** Joins the room as `feedId` and publishes. Throws JanusError (433: not admitted). */
  async start(): Promise<void> {
    const { janus, room, feedId, token, state } = this.#options
    const handle = await janus.attach('janus.plugin.videoroom', {
      onEvent: (message) => { if (!this.#closed) this.#options.onEvent(message) },
      onCandidate: (candidate) => { void this.#addCandidate(candidate) },
    })
    this.#handle = handle
    const join = { request: 'join', ptype: 'publisher', room, id: feedId, token, display: encodeFeedState(state) }
    let joined: PluginMessage | null = null
    for (let attempt = 1; !joined; attempt++) {
      try {
        joined = await handle.message(join)
      } catch (error) {
        if (!(error instanceof JanusError && error.code === ID_EXISTS) || attempt >= JOIN_ATTEMPTS) throw error
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS))
      }
    }
    this.privateId = typeof joined.data.private_id === 'number' ? joined.data.private_id : 0
    this.publishers = publishersOf(joined.data).filter((p) => p.id !== feedId)
    await this.#negotiate({})
  }

  /** Tells the room our new state (muted, video on/off): everyone sees it in `display`. */
  announce(state: FeedState): void {
    this.#handle?.message({ request: 'configure', display: encodeFeedState(state) }).catch(() => undefined)
  }

  /** A new ICE path to Janus after ours failed (a network change). */
  async restartIce(): Promise<void> {
    await this.#negotiate({ iceRestart: true })
  }

  close(): void {
    this.#closed = true
    this.pc.close()
  }

  async #negotiate(options: RTCOfferOptions): Promise<void> {
    const handle = this.#handle
    if (!handle) return
    const offer = await this.pc.createOffer(options)
    await this.pc.setLocalDescription(offer)
    const body = this.#remoteSet ? { request: 'configure' } : { request: 'publish', audio: true, video: true }
    const answer = await handle.message(body, offer)
    if (this.#closed || !answer.jsep) return
    await this.pc.setRemoteDescription(answer.jsep)
    this.#remoteSet = true
    for (const candidate of this.#early.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => undefined)
  }

  async #addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    if (this.#closed || !candidate) return // end-of-candidates needs nothing in Chromium
    // Janus may trickle before its answer has been applied: addIceCandidate would refuse.
    if (!this.#remoteSet) this.#early.push(candidate)
    else await this.pc.addIceCandidate(candidate).catch(() => undefined)
  }
}
