// The one WebSocket client: authenticates in its first frame (the token never goes in the
// URL), resumes with `since` and its `epoch`, reconnects with backoff, and turns commands
// into promises settled by the server's ack or error. The lifecycle is an explicit state
// machine.
import type {
  AuthFrame, ClientConfig, CommandData, CommandReply, CommandType, ReadyFrame, ResyncRequiredFrame,
  ServerEvent, UserMe,
} from '@/api/types'
import { backoffDelay } from './backoff'
import { t } from '@/i18n'

export type ConnectionState =
  | 'idle' // not started, or stopped (logged out)
  | 'connecting' // socket opening or authenticating
  | 'ready' // authenticated; replay done or under way
  | 'waiting' // disconnected, a reconnect is scheduled
  | 'offline' // the browser says there is no network; reconnect on `online`

const TRANSITIONS: Record<ConnectionState, ConnectionState[]> = {
  idle: ['connecting'],
  connecting: ['ready', 'waiting', 'offline', 'idle'],
  ready: ['waiting', 'offline', 'idle'],
  waiting: ['connecting', 'offline', 'idle'],
  offline: ['connecting', 'idle'],
}

/** Close codes the server uses (docs/protocol.md). */
export const CLOSE_UNAUTHORIZED = 4401

// 15 s for an ack: long enough for a slow replay ahead of it, short enough for a user.
// A browser cannot see the server's protocol pings, so an unanswered command is also how
// a dead path (a laptop waking from sleep, a silent NAT drop) is found: the socket is
// recycled and the outbox resends with the same clientId.
export const COMMAND_TIMEOUT_MS = 15_000

export class CommandError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryAfter: number | null = null,
  ) {
    super(message)
    this.name = 'CommandError'
  }
  /** Worth retrying with the same payload (the connection failed, not the command; or a
   *  secret chat's group was not ready yet to encrypt it; or the server saved nothing and
   *  said to send it again: `busy`, `unavailable`). */
  get transient(): boolean {
    return ['disconnected', 'timeout', 'rate_limited', 'not_ready', 'busy', 'unavailable'].includes(
      this.code,
    )
  }
}

export interface ReadyInfo {
  user: UserMe
  seq: number
  /** The event log's history `seq` counts in: store it with the seq, send it back. */
  epoch: string
  resumed: boolean
  config: ClientConfig
}

export interface RealtimeHandlers {
  /** Authenticated. `resumed` is false on a fresh start, after a `resync_required` (then
   *  called a second time for the same socket), or when the server's epoch is not the one
   *  the position came from: the caller must refetch its state over REST. */
  onReady(info: ReadyInfo): void
  onEvent(event: ServerEvent): void
  onStateChange?(state: ConnectionState): void
  /** The token was refused: stop and log out; never retry (delivery guide §8). */
  onUnauthorized(): void
}

export interface RealtimeOptions {
  url: string
  token: () => string | null
  /** The last durable seq applied, or null to start fresh. */
  since: () => number | null
  /** The epoch of the `ready` that `since` counts from (null if not known). */
  epoch: () => string | null
  handlers: RealtimeHandlers
  WebSocketImpl?: typeof WebSocket
  random?: () => number
}

interface Pending {
  resolve(data: unknown): void
  reject(error: CommandError): void
  timer: ReturnType<typeof setTimeout>
}

type Incoming =
  | ReadyFrame
  | ResyncRequiredFrame
  | { type: 'ack'; ref: string; data: unknown }
  | { type: 'error'; ref: string | null; error: { code: string; message: string; retryAfter?: number } }
  | ServerEvent

export class RealtimeClient {
  state: ConnectionState = 'idle'
  private socket: WebSocket | null = null
  private attempt = 0
  private retryTimer: ReturnType<typeof setTimeout> | null = null
  private pending = new Map<string, Pending>()
  private nextRef = 1
  // This socket's auth position, and its `ready` once it came.
  private sent: { since: number | null; epoch: string | null } = { since: null, epoch: null }
  private ready: ReadyInfo | null = null
  private readonly WS: typeof WebSocket

  constructor(private readonly options: RealtimeOptions) {
    this.WS = options.WebSocketImpl ?? WebSocket
  }

  start(): void {
    if (this.state !== 'idle') return
    this.open()
  }

  stop(): void {
    this.clearTimers()
    this.transition('idle')
    this.dropSocket()
    this.failPending('disconnected', t('common.notConnected'))
  }

  /** The browser lost the network: stop trying until it is back. */
  setOffline(): void {
    if (this.state === 'idle' || this.state === 'offline') return
    this.clearTimers()
    this.dropSocket()
    this.failPending('disconnected', t('common.notConnected'))
    this.transition('offline')
  }

  /** The network is back (or the tab woke up): try now instead of waiting out the backoff. */
  reconnectNow(): void {
    if (this.state === 'waiting' || this.state === 'offline') {
      this.clearTimers()
      this.attempt = 0
      this.open()
    }
  }

  /** What followed `ready` failed (the state could not be loaded): start over on a new
   *  socket through the backoff, whose `ready` asks for the state again. A socket already
   *  gone is on its way back by itself. */
  retry(): void {
    if (this.state === 'ready') this.recycle()
  }

  command<T extends CommandType>(type: T, data: CommandData<T>): Promise<CommandReply<T>> {
    const socket = this.socket
    if (this.state !== 'ready' || !socket) {
      return Promise.reject(new CommandError('disconnected', t('common.notConnected')))
    }
    const ref = String(this.nextRef++)
    return new Promise<CommandReply<T>>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(ref)
        reject(new CommandError('timeout', t('common.serverTimeout')))
        if (socket === this.socket) this.recycle()
      }, COMMAND_TIMEOUT_MS)
      this.pending.set(ref, { resolve: (d) => { resolve(d as CommandReply<T>) }, reject, timer })
      socket.send(JSON.stringify({ type, ref, data }))
    })
  }

  private transition(next: ConnectionState): void {
    if (next === this.state) return
    if (!TRANSITIONS[this.state].includes(next)) {
      throw new Error(`illegal connection transition ${this.state} -> ${next}`)
    }
    this.state = next
    this.options.handlers.onStateChange?.(next)
  }

  private open(): void {
    const token = this.options.token()
    if (!token) {
      this.transition('idle')
      return
    }
    this.transition('connecting')
    const socket = new this.WS(this.options.url)
    this.socket = socket
    socket.onopen = () => {
      const since = this.options.since()
      const epoch = since === null ? null : this.options.epoch()
      this.sent = { since, epoch }
      this.ready = null
      const auth: AuthFrame = { type: 'auth', token, since, epoch }
      socket.send(JSON.stringify(auth))
    }
    socket.onmessage = (e: MessageEvent<string>) => {
      if (socket !== this.socket) return
      this.receive(JSON.parse(e.data) as Incoming)
    }
    socket.onclose = (e: CloseEvent) => {
      if (socket !== this.socket) return
      this.socket = null
      this.failPending('disconnected', t('common.connectionLost'))
      if (e.code === CLOSE_UNAUTHORIZED) {
        this.clearTimers()
        this.transition('idle')
        this.options.handlers.onUnauthorized()
        return
      }
      this.scheduleRetry()
    }
  }

  private receive(frame: Incoming): void {
    switch (frame.type) {
      case 'ready': {
        this.attempt = 0
        const { since, epoch } = this.sent
        // Another epoch: the server restored an older backup and `since` counts in a
        // history it no longer has. It answers `resync_required` next; refetching starts now.
        const resumed = since !== null && (epoch === null || epoch === frame.data.epoch)
        const { user, seq, config } = frame.data
        this.ready = { user, seq, epoch: frame.data.epoch, resumed, config }
        this.transition('ready')
        this.options.handlers.onReady(this.ready)
        return
      }
      case 'resync_required': {
        // Sent right after `ready` instead of the replay. Nothing to do if that `ready` was
        // already not a resume (a fresh start or another epoch).
        const ready = this.ready
        if (!ready?.resumed) return
        this.ready = { ...ready, seq: frame.data.seq, resumed: false }
        this.options.handlers.onReady(this.ready)
        return
      }
      case 'ack': {
        const pending = this.pending.get(frame.ref)
        if (!pending) return
        this.pending.delete(frame.ref)
        clearTimeout(pending.timer)
        pending.resolve(frame.data)
        return
      }
      case 'error': {
        const pending = frame.ref === null ? undefined : this.pending.get(frame.ref)
        if (!pending || frame.ref === null) return
        this.pending.delete(frame.ref)
        clearTimeout(pending.timer)
        pending.reject(new CommandError(frame.error.code, frame.error.message, frame.error.retryAfter ?? null))
        return
      }
      default:
        this.options.handlers.onEvent(frame)
    }
  }

  private scheduleRetry(): void {
    this.clearTimers()
    this.transition('waiting')
    const delay = backoffDelay(this.attempt++, this.options.random)
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null
      this.open()
    }, delay)
  }

  /** Give up on the current socket and reconnect through the backoff. */
  private recycle(): void {
    this.dropSocket()
    this.failPending('disconnected', t('common.connectionLost'))
    this.scheduleRetry()
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer)
    this.retryTimer = null
  }

  private dropSocket(): void {
    const socket = this.socket
    this.socket = null
    if (socket) {
      socket.onclose = null
      socket.onmessage = null
      socket.close(1000)
    }
  }

  private failPending(code: string, message: string): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer)
      pending.reject(new CommandError(code, message))
    }
    this.pending.clear()
  }
}
