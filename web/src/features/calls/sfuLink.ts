// A session's side of a group call through the SFU (docs/calls.md §9-§10): the link to the
// call's Janus room (sfu/room.ts, imported only when a call has one) and the tiles it makes.
// A tile per participant of the call as the server says (connecting until their feed comes),
// with the media, mute state and talking that Janus's room gives for them.
import { markRaw } from 'vue'
import type { SfuAccess } from '@/api/types'
import type { SenderLike } from './peer'
import type { CallView, Tile } from './session'
import type { FeedState, RoomExit, SfuRoom } from './sfu/room'

export interface SfuLinkOptions {
  view: CallView
  me: number
  tile(userId: number): Tile
  /** Our uplink's connection (the call is connected when it is). */
  onUplink(state: RTCPeerConnectionState): void
  /** The room let us go: kicked, destroyed, or Janus unreachable. */
  onExit(reason: RoomExit): void
}

export class SfuLink {
  readonly #options: SfuLinkOptions
  #room: SfuRoom | null = null
  #opening = 0
  #participants: number[] = []
  #receiving: RTCPeerConnectionState = 'new'

  constructor(options: SfuLinkOptions) {
    this.#options = options
  }

  get joined(): boolean {
    return this.#room !== null
  }

  /** Our one video sender to Janus: screen sharing swaps its track. */
  get videoSender(): SenderLike | null {
    return this.#room?.videoSender ?? null
  }

  /** Publishes `stream` in the room and receives everyone else's. Resolves false if it was
   *  left meanwhile (hung up, or a newer join); throws if Janus refuses or is unreachable. */
  async join(access: SfuAccess, stream: MediaStream, video: MediaStreamTrack | null, state: FeedState): Promise<boolean> {
    this.leave()
    const attempt = ++this.#opening
    const { SfuRoom } = await import('./sfu/room')
    if (this.#stale(attempt)) return false
    const room = await SfuRoom.open({
      access, stream, video, state,
      callbacks: {
        onFeed: (userId, update) => { this.#onFeed(userId, update) },
        onFeedGone: (userId) => { this.#onFeedGone(userId) },
        onTalking: (userId, talking) => {
          const tile = this.#find(userId)
          if (tile) tile.talking = talking
        },
        onConnection: (uplink) => { this.#options.onUplink(uplink) },
        onReceiving: (receiving) => {
          this.#receiving = receiving
          for (const tile of this.#options.view.tiles) if (tile.stream) tile.connection = receiving
        },
        onExit: (reason) => {
          if (this.#room !== room) return
          this.#room = null
          this.#options.onExit(reason)
        },
      },
    })
    if (this.#stale(attempt)) {
      room.close()
      return false
    }
    this.#room = markRaw(room)
    return true
  }

  /** Out of the room (before rejoining from a new socket, or at the end). */
  leave(): void {
    this.#opening++
    this.#room?.close()
    this.#room = null
    for (const tile of this.#options.view.tiles) Object.assign(tile, { stream: null, connection: 'new', talking: false })
  }

  announce(state: FeedState): void {
    this.#room?.announce(state)
  }

  restartIce(): void {
    this.#room?.restartIce()
  }

  /** The call's participants (the server's word): a tile each, and none for anyone else. */
  setParticipants(participants: number[]): void {
    this.#participants = participants
    const view = this.#options.view
    const others = participants.filter((id) => id !== this.#options.me)
    const kept = view.tiles.filter((t) => others.includes(t.userId))
    const added = others.filter((id) => !kept.some((t) => t.userId === id)).map((id) => this.#options.tile(id))
    if (added.length || kept.length !== view.tiles.length) view.tiles = [...kept, ...added]
  }

  #find(userId: number): Tile | undefined {
    return this.#options.view.tiles.find((t) => t.userId === userId)
  }

  #stale(attempt: number): boolean {
    return attempt !== this.#opening
  }

  #onFeed(userId: number, update: { stream?: MediaStream | null; state?: FeedState | null }): void {
    let tile = this.#find(userId)
    if (!tile) {
      // Janus may announce a feed before the server's event names its person.
      this.#options.view.tiles = [...this.#options.view.tiles, this.#options.tile(userId)]
      tile = this.#find(userId)
    }
    if (!tile) return
    if (update.stream !== undefined) {
      tile.stream = update.stream && markRaw(update.stream)
      tile.connection = update.stream ? this.#receiving : 'new'
    }
    if (update.state) {
      tile.muted = update.state.muted
      tile.video = update.state.video
    }
  }

  #onFeedGone(userId: number): void {
    const view = this.#options.view
    // Still in the call (a reload on their side): connecting again. Else gone.
    if (this.#participants.includes(userId)) {
      const tile = this.#find(userId)
      if (tile) Object.assign(tile, { stream: null, connection: 'new', talking: false })
    } else {
      view.tiles = view.tiles.filter((t) => t.userId !== userId)
    }
  }
}
