// A group call's media through Janus's VideoRoom (docs/calls.md §9): our uplink (publisher)
// and everyone else's feeds (subscriber) on one Janus session, opened with the access the
// server put in our ack. Loaded on demand (sfuLink.ts imports it dynamically), so none of
// this is in the initial download; sfuLink.ts turns the callbacks into tiles.
import type { SfuAccess } from '@/api/types'
import { Janus, type PluginMessage } from './janus'
import { decodeFeedState, type FeedState } from './feedState'
import { Publisher, publishersOf } from './publisher'
import { Subscriber } from './subscriber'
import { POLL_MS, Speakers } from './speakers'

export type { FeedState } from './feedState'

/** Why the room let us go: `removed` (kicked: we left, were removed, or answered on another
 *  device), `ended` (the room was destroyed: the call is over), `lost` (Janus unreachable). */
export type RoomExit = 'removed' | 'ended' | 'lost'

export interface RoomCallbacks {
  /** Someone's feed is here (or changed): their media (null until it arrives) and state. */
  onFeed(userId: number, update: { stream?: MediaStream | null; state?: FeedState | null }): void
  onFeedGone(userId: number): void
  /** Their sound is loud enough to count as talking now, or no longer (speakers.ts). */
  onTalking(userId: number, talking: boolean): void
  /** Our uplink's connection: the call is connected when it is. */
  onConnection(state: RTCPeerConnectionState): void
  /** Received media's connection (shown on the tiles). */
  onReceiving(state: RTCPeerConnectionState): void
  onExit(reason: RoomExit): void
}

export interface RoomOptions {
  access: SfuAccess
  stream: MediaStream
  video: MediaStreamTrack | null
  state: FeedState
  callbacks: RoomCallbacks
}

export class SfuRoom {
  readonly #janus: Janus
  readonly #publisher: Publisher
  #subscriber: Subscriber | null = null
  readonly #configuration: RTCConfiguration
  readonly #access: SfuAccess
  readonly #callbacks: RoomCallbacks
  readonly #me: number
  readonly #feeds = new Set<number>()
  readonly #speakers = new Speakers()
  #poll: ReturnType<typeof setInterval> | null = null
  #closed = false

  private constructor(janus: Janus, options: RoomOptions) {
    const { access, callbacks } = options
    this.#janus = janus
    this.#callbacks = callbacks
    this.#me = access.feedId
    this.#access = access
    const configuration: RTCConfiguration = {
      iceServers: access.iceServers,
      iceTransportPolicy: access.iceTransportPolicy,
      bundlePolicy: 'max-bundle',
    }
    this.#configuration = configuration
    this.#publisher = new Publisher({
      janus, room: access.room, feedId: access.feedId, token: access.token, configuration,
      stream: options.stream, video: options.video, state: options.state,
      onEvent: (message) => { this.#onRoomEvent(message) },
      onConnection: (state) => { callbacks.onConnection(state) },
    })
    janus.onLost = () => { this.#exit('lost') }
  }

  /** Connects, joins and publishes; the others' feeds follow. Throws if Janus refuses us
   *  (JanusError: 403 without a valid token, 433 not on the room's list) or is unreachable. */
  static async open(options: RoomOptions): Promise<SfuRoom> {
    const janus = await Janus.connect(options.access.url, options.access.token)
    const room = new SfuRoom(janus, options)
    try {
      await room.#publisher.start()
    } catch (error) {
      room.close()
      throw error
    }
    room.#subscribe()
    for (const publisher of room.#publisher.publishers) room.#addFeed(publisher.id, publisher.display)
    room.#poll = setInterval(() => { void room.#listen() }, POLL_MS)
    return room
  }

  /** Our video sender: the camera, or the screen while sharing (replaceTrack). */
  get videoSender(): RTCRtpSender {
    return this.#publisher.videoSender
  }

  announce(state: FeedState): void {
    this.#publisher.announce(state)
  }

  restartIce(): void {
    this.#publisher.restartIce().catch(() => undefined)
  }

  /** Leaves: the session's end takes our feed and subscriptions with it. */
  close(): void {
    if (this.#closed) return
    this.#closed = true
    if (this.#poll) clearInterval(this.#poll)
    this.#subscriber?.close()
    this.#publisher.close()
    this.#janus.onLost = null
    this.#janus.close()
  }

  /** The subscription names our publisher's private_id (the room has require_pvtid), so it
   *  starts once we have joined; feeds announced meanwhile are waiting in #feeds. */
  #subscribe(): void {
    const callbacks = this.#callbacks
    this.#subscriber = new Subscriber({
      janus: this.#janus, room: this.#access.room, token: this.#access.token,
      privateId: this.#publisher.privateId, configuration: this.#configuration,
      onMedia: (feed, stream) => { if (this.#feeds.has(feed)) callbacks.onFeed(feed, { stream }) },
      onConnection: (state) => { callbacks.onReceiving(state) },
    })
    for (const feed of this.#feeds) this.#subscriber.add(feed)
  }

  async #listen(): Promise<void> {
    const totals = await this.#subscriber?.audioTotals().catch(() => null)
    if (!totals || this.#closed) return
    for (const [feed, talking] of this.#speakers.update(totals, performance.now())) {
      if (this.#feeds.has(feed)) this.#callbacks.onTalking(feed, talking)
    }
  }

  #exit(reason: RoomExit): void {
    if (this.#closed) return
    this.close()
    this.#callbacks.onExit(reason)
  }

  #addFeed(id: number, display: unknown): void {
    if (id === this.#me) return
    const state = decodeFeedState(display)
    if (!this.#feeds.has(id)) {
      this.#feeds.add(id)
      this.#callbacks.onFeed(id, { stream: null, state })
      this.#subscriber?.add(id)
    } else {
      this.#callbacks.onFeed(id, { state })
    }
  }

  #dropFeed(id: number): void {
    if (!this.#feeds.delete(id)) return
    this.#subscriber?.remove(id)
    this.#callbacks.onFeedGone(id)
  }

  /** What the room tells our publisher handle, in Janus's words (docs/calls.md §9). */
  #onRoomEvent({ data }: PluginMessage): void {
    const kind = data.videoroom
    if (kind === 'destroyed') {
      this.#exit('ended')
      return
    }
    if (kind !== 'event') return
    if (data.leaving === 'ok' || data.unpublished === 'ok') {
      // Us: kicked by the server (we left the call, answered elsewhere, left the chat).
      this.#exit('removed')
      return
    }
    for (const publisher of publishersOf(data)) this.#addFeed(publisher.id, publisher.display)
    for (const key of ['leaving', 'unpublished', 'kicked'] as const) {
      const id = data[key]
      if (typeof id === 'number') this.#dropFeed(id)
    }
    if (typeof data.id === 'number' && 'display' in data && this.#feeds.has(data.id)) {
      this.#callbacks.onFeed(data.id, { state: decodeFeedState(data.display) })
    }
  }
}
