// Everyone else's media: one subscriber handle and one recvonly PeerConnection that carries
// every remote feed. Janus makes the offers (on join, and on each `update`); we answer with
// `start`. Which m-line belongs to whom comes with each offer's `streams` (mid -> feed_id).
// Changes are queued one at a time, and those waiting are sent together in one `update`,
// so five people joining at once cost one renegotiation, not five.
import { JanusError, type Handle, type Janus, type Json, type PluginMessage } from './janus'
import type { Energy } from './speakers'

/** Janus does not know the feed (yet): it has not finished publishing, or it has left. */
const NO_SUCH_FEED = 428
const RETRY_MS = 500

export interface SubscriberOptions {
  janus: Janus
  room: number
  token: string
  privateId: number
  configuration: RTCConfiguration
  /** A feed's media changed: its tracks as one stream (a new object each time), or null. */
  onMedia(feed: number, stream: MediaStream | null): void
  onConnection(state: RTCPeerConnectionState): void
}

export class Subscriber {
  readonly pc: RTCPeerConnection
  readonly #options: SubscriberOptions
  #handle: Handle | null = null
  #joined = false
  /** Feeds we want / have asked Janus for. */
  readonly #wanted = new Set<number>()
  readonly #subscribed = new Set<number>()
  /** mid -> feed, from the latest offer's `streams`. */
  #mids = new Map<string, number>()
  /** The tracks each feed has now, to tell when they change. */
  readonly #tracks = new Map<number, string>()
  #queue: Promise<void> = Promise.resolve()
  #pending = false
  #retry: ReturnType<typeof setTimeout> | null = null
  #early: RTCIceCandidateInit[] = []
  #closed = false

  constructor(options: SubscriberOptions) {
    this.#options = options
    this.pc = new RTCPeerConnection(options.configuration)
    this.pc.addEventListener('track', () => { this.#publishTracks() })
    this.pc.addEventListener('connectionstatechange', () => { options.onConnection(this.pc.connectionState) })
    this.pc.addEventListener('icecandidate', (event) => { this.#handle?.trickle(event.candidate?.toJSON() ?? null) })
  }

  /** Receive these feeds from now on. */
  add(feed: number): void {
    this.#wanted.add(feed)
    this.#schedule()
  }

  /** Stop receiving this feed (it left or stopped publishing). */
  remove(feed: number): void {
    this.#wanted.delete(feed)
    if (this.#tracks.delete(feed)) this.#options.onMedia(feed, null)
    this.#schedule()
  }

  /** Each feed's running totals of the sound we played from it (for speakers.ts). */
  async audioTotals(): Promise<Map<number, Energy>> {
    const owners = new Map<string, number>()
    for (const transceiver of this.pc.getTransceivers()) {
      const feed = transceiver.mid === null ? undefined : this.#mids.get(transceiver.mid)
      if (feed !== undefined && this.#wanted.has(feed)) owners.set(transceiver.receiver.track.id, feed)
    }
    const totals = new Map<number, Energy>()
    const report = await this.pc.getStats()
    report.forEach((stat: Record<string, unknown>) => {
      if (stat.type !== 'inbound-rtp' || stat.kind !== 'audio' || typeof stat.trackIdentifier !== 'string') return
      const feed = owners.get(stat.trackIdentifier)
      if (feed === undefined) return
      const energy = typeof stat.totalAudioEnergy === 'number' ? stat.totalAudioEnergy : 0
      const duration = typeof stat.totalSamplesDuration === 'number' ? stat.totalSamplesDuration : 0
      totals.set(feed, { energy, duration })
    })
    return totals
  }

  close(): void {
    this.#closed = true
    if (this.#retry) clearTimeout(this.#retry)
    this.pc.close()
  }

  /** One sync at a time; any number of add/remove calls meanwhile are one more sync. */
  #schedule(): void {
    if (this.#pending || this.#closed) return
    this.#pending = true
    this.#queue = this.#queue.then(async () => {
      this.#pending = false
      await this.#sync().catch((error: unknown) => { this.#failed(error) })
    })
  }

  #failed(error: unknown): void {
    if (this.#closed) return
    // A feed that is not up yet (or already gone): ask again shortly with what is wanted then.
    if (error instanceof JanusError && error.code === NO_SUCH_FEED) {
      this.#retry ??= setTimeout(() => {
        this.#retry = null
        this.#schedule()
      }, RETRY_MS)
      return
    }
    console.warn('sfu subscriber:', error)
  }

  async #sync(): Promise<void> {
    if (this.#closed) return
    const add = [...this.#wanted].filter((f) => !this.#subscribed.has(f))
    const drop = [...this.#subscribed].filter((f) => !this.#wanted.has(f))
    if (!this.#joined) {
      if (add.length === 0) return
      const { janus, room, token, privateId } = this.#options
      this.#handle ??= await janus.attach('janus.plugin.videoroom', {
        onEvent: (message) => { this.#onEvent(message) },
        onCandidate: (candidate) => { void this.#addCandidate(candidate) },
      })
      const join = { request: 'join', ptype: 'subscriber', room, token, private_id: privateId, streams: add.map((feed) => ({ feed })) }
      const answer = await this.#handle.message(join)
      this.#joined = true
      for (const feed of add) this.#subscribed.add(feed)
      await this.#answer(answer)
      return
    }
    if (add.length === 0 && drop.length === 0) return
    const body: Json = { request: 'update' }
    if (add.length) body.subscribe = add.map((feed) => ({ feed }))
    if (drop.length) body.unsubscribe = drop.map((feed) => ({ feed }))
    const handle = this.#handle
    if (!handle) return
    let answer: PluginMessage
    try {
      answer = await handle.message(body)
    } catch (error) {
      // A feed to drop that Janus has already dropped (its publisher left) is not an error.
      if (add.length === 0 && error instanceof JanusError) {
        for (const feed of drop) this.#subscribed.delete(feed)
        return
      }
      throw error
    }
    for (const feed of add) this.#subscribed.add(feed)
    for (const feed of drop) this.#subscribed.delete(feed)
    await this.#answer(answer)
  }

  /** An offer from Janus (an answer to join/update, or Janus's own after a feed left). */
  async #answer(message: PluginMessage): Promise<void> {
    this.#readStreams(message.data)
    const offer = message.jsep
    if (!offer || offer.type !== 'offer' || this.#closed || !this.#handle) return
    await this.pc.setRemoteDescription(offer)
    for (const candidate of this.#early.splice(0)) await this.pc.addIceCandidate(candidate).catch(() => undefined)
    const answer = await this.pc.createAnswer()
    await this.pc.setLocalDescription(answer)
    await this.#handle.message({ request: 'start' }, answer)
    this.#publishTracks()
  }

  #onEvent(message: PluginMessage): void {
    if (this.#closed) return
    if (message.jsep) {
      this.#queue = this.#queue.then(() => this.#answer(message)).catch((error: unknown) => { this.#failed(error) })
      return
    }
    this.#readStreams(message.data)
    this.#publishTracks()
  }

  #readStreams(data: Json): void {
    if (!Array.isArray(data.streams)) return
    const mids = new Map<string, number>()
    for (const item of data.streams as unknown[]) {
      if (typeof item !== 'object' || item === null) continue
      const { mid, feed_id: feed, active } = item as Json
      if (typeof mid === 'string' && typeof feed === 'number' && active !== false) mids.set(mid, feed)
    }
    this.#mids = mids
  }

  /** Groups the receiving transceivers' tracks by feed and reports the feeds that changed. */
  #publishTracks(): void {
    if (this.#closed) return
    const byFeed = new Map<number, MediaStreamTrack[]>()
    for (const transceiver of this.pc.getTransceivers()) {
      const feed = transceiver.mid === null ? undefined : this.#mids.get(transceiver.mid)
      if (feed === undefined || !this.#wanted.has(feed) || transceiver.currentDirection === 'inactive') continue
      const tracks = byFeed.get(feed) ?? []
      tracks.push(transceiver.receiver.track)
      byFeed.set(feed, tracks)
    }
    for (const [feed, tracks] of byFeed) {
      const key = tracks.map((t) => t.id).sort().join(',')
      if (this.#tracks.get(feed) === key) continue
      this.#tracks.set(feed, key)
      this.#options.onMedia(feed, new MediaStream(tracks))
    }
  }

  async #addCandidate(candidate: RTCIceCandidateInit | null): Promise<void> {
    if (this.#closed || !candidate) return
    if (!this.pc.remoteDescription) this.#early.push(candidate)
    else await this.pc.addIceCandidate(candidate).catch(() => undefined)
  }
}
