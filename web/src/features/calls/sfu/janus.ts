// A small typed client of Janus's JSON API over its WebSocket transport (subprotocol
// `janus-protocol`): one session, its plugin handles, their requests, trickle and events.
// Only what a VideoRoom participant needs; the call flow itself is in publisher.ts and
// subscriber.ts, and docs/calls.md §9 lists the messages.
//
// Every request carries a fresh `transaction` and the token Shomik issued (`token_auth`).
// A plugin request is acked at once and answered later by an `event` with the same
// transaction (or answered at once with `success`); anything else arriving for a handle is
// one of its events.

/** The JSON Janus sends and receives; plugin bodies are read field by field where used. */
export type Json = Record<string, unknown>

/** What a plugin answered or pushed: its `plugindata.data`, and a JSEP if one came. */
export interface PluginMessage {
  data: Json
  jsep: RTCSessionDescriptionInit | null
}

export interface HandleEvents {
  /** A plugin event that answers no request of ours (someone joined, left, talks...). */
  onEvent?(message: PluginMessage): void
  /** A remote ICE candidate; null: Janus has no more. */
  onCandidate?(candidate: RTCIceCandidateInit | null): void
}

/** Janus refused: a Janus API error or a plugin's `error_code` (433 unauthorized...). */
export class JanusError extends Error {
  constructor(
    readonly code: number,
    reason: string,
  ) {
    super(`Janus error ${code}: ${reason}`)
    this.name = 'JanusError'
  }
}

/** Janus went away (the socket closed or a request was not answered in time). */
export class JanusGone extends Error {
  constructor(reason: string) {
    super(reason)
    this.name = 'JanusGone'
  }
}

export const PROTOCOL = 'janus-protocol'
// Janus drops a session 60 s (session_timeout) after its last request.
export const KEEPALIVE_MS = 25_000
// Janus answers on a LAN in milliseconds; a plugin request that takes this long means Janus
// is stuck or unreachable.
export const REQUEST_TIMEOUT_MS = 10_000

/** The WebSocket URL for `url` of the ack's `sfu`: a path on this origin (ws: or wss: like
 *  the page), or a full ws(s):// URL as it is. */
export function socketUrl(url: string, page: Pick<Location, 'protocol' | 'host'> = location): string {
  if (/^wss?:\/\//.test(url)) return url
  return `${page.protocol === 'https:' ? 'wss:' : 'ws:'}//${page.host}${url}`
}

export type WebSocketConstructor = new (url: string, protocols: string) => WebSocket

interface Waiting {
  resolve(message: Json): void
  reject(error: Error): void
  /** Keepalive and trickle: the ack is the answer. */
  ackAnswers: boolean
  timer: ReturnType<typeof setTimeout>
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0
}

function str(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

function obj(value: unknown): Json {
  return typeof value === 'object' && value !== null ? (value as Json) : {}
}

function jsepOf(message: Json): RTCSessionDescriptionInit | null {
  const jsep = obj(message.jsep)
  const type = jsep.type
  if ((type === 'offer' || type === 'answer') && typeof jsep.sdp === 'string') return { type, sdp: jsep.sdp }
  return null
}

function pluginMessage(message: Json): PluginMessage {
  return { data: obj(obj(message.plugindata).data), jsep: jsepOf(message) }
}

export class Janus {
  readonly #ws: WebSocket
  readonly #token: string
  readonly #waiting = new Map<string, Waiting>()
  readonly #handles = new Map<number, Handle>()
  #sessionId = 0
  #keepalive: ReturnType<typeof setInterval> | null = null
  #closed = false
  /** Told once when the socket closes without close() (Janus restarted, network gone). */
  onLost: (() => void) | null = null

  private constructor(ws: WebSocket, token: string) {
    this.#ws = ws
    this.#token = token
    ws.addEventListener('message', (event: MessageEvent<string>) => { this.#receive(event.data) })
    ws.addEventListener('close', () => { this.#gone() })
  }

  /** Opens the socket and a session. Throws JanusError (a refused token: 403) or JanusGone. */
  static async connect(url: string, token: string, Socket: WebSocketConstructor = WebSocket): Promise<Janus> {
    const ws = new Socket(socketUrl(url), PROTOCOL)
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener('open', () => { resolve() }, { once: true })
      ws.addEventListener('close', () => { reject(new JanusGone('cannot reach the media server')) }, { once: true })
    })
    const janus = new Janus(ws, token)
    try {
      const created = await janus.#request({ janus: 'create' })
      janus.#sessionId = num(obj(created.data).id)
    } catch (error) {
      janus.close()
      throw error
    }
    janus.#keepalive = setInterval(() => {
      janus.#request({ janus: 'keepalive' }, true).catch(() => undefined) // a lost socket tells onLost
    }, KEEPALIVE_MS)
    return janus
  }

  get closed(): boolean {
    return this.#closed
  }

  /** A handle of `plugin` in this session. */
  async attach(plugin: string, events: HandleEvents = {}): Promise<Handle> {
    const attached = await this.#request({ janus: 'attach', plugin })
    const handle = new Handle(this, num(obj(attached.data).id), events)
    this.#handles.set(handle.id, handle)
    return handle
  }

  /** @internal for Handle: a request in this session, answered by its first non-ack reply. */
  request(body: Json, ackAnswers = false): Promise<Json> {
    return this.#request(body, ackAnswers)
  }

  /** @internal */
  forget(handle: Handle): void {
    this.#handles.delete(handle.id)
  }

  /** Destroys the session (best effort) and closes the socket. */
  close(): void {
    if (this.#closed) return
    if (this.#ws.readyState === WebSocket.OPEN && this.#sessionId) {
      this.#send({ janus: 'destroy', session_id: this.#sessionId, transaction: 'bye', token: this.#token })
    }
    this.#closed = true
    this.#stop(new JanusGone('closed'))
    this.#ws.close()
  }

  #send(message: Json): void {
    this.#ws.send(JSON.stringify(message))
  }

  #request(body: Json, ackAnswers = false): Promise<Json> {
    if (this.#closed || this.#ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(new JanusGone('not connected to the media server'))
    }
    const transaction = crypto.randomUUID()
    const message: Json = { ...body, transaction, token: this.#token }
    if (this.#sessionId) message.session_id = this.#sessionId
    return new Promise<Json>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiting.delete(transaction)
        reject(new JanusGone(`no answer to ${String(body.janus)}`))
      }, REQUEST_TIMEOUT_MS)
      this.#waiting.set(transaction, { resolve, reject, ackAnswers, timer })
      this.#send(message)
    })
  }

  #receive(raw: string): void {
    let message: Json
    try {
      message = obj(JSON.parse(raw))
    } catch {
      return
    }
    const kind = message.janus
    const waiting = typeof message.transaction === 'string' ? this.#waiting.get(message.transaction) : undefined
    if (waiting && (kind !== 'ack' || waiting.ackAnswers)) {
      this.#waiting.delete(String(message.transaction))
      clearTimeout(waiting.timer)
      if (kind === 'error') {
        const error = obj(message.error)
        waiting.reject(new JanusError(num(error.code), str(error.reason)))
        return
      }
      const data = obj(obj(message.plugindata).data)
      if (typeof data.error_code === 'number') {
        waiting.reject(new JanusError(data.error_code, str(data.error)))
        return
      }
      waiting.resolve(message)
      return
    }
    if (kind === 'ack' || kind === 'success') return
    if (kind === 'timeout') {
      this.#gone()
      return
    }
    this.#handles.get(num(message.sender))?.receive(message)
  }

  #stop(error: Error): void {
    if (this.#keepalive) clearInterval(this.#keepalive)
    this.#keepalive = null
    for (const waiting of this.#waiting.values()) {
      clearTimeout(waiting.timer)
      waiting.reject(error)
    }
    this.#waiting.clear()
  }

  #gone(): void {
    if (this.#closed) return
    this.#closed = true
    this.#stop(new JanusGone('the connection to the media server closed'))
    this.#ws.close()
    this.onLost?.()
  }
}

export class Handle {
  readonly id: number
  readonly #janus: Janus
  readonly #events: HandleEvents

  constructor(janus: Janus, id: number, events: HandleEvents) {
    this.#janus = janus
    this.id = id
    this.#events = events
  }

  /** A plugin request; its answer (the `event` or `success` with this transaction). */
  async message(body: Json, jsep?: RTCSessionDescriptionInit): Promise<PluginMessage> {
    const request: Json = { janus: 'message', handle_id: this.id, body }
    if (jsep) request.jsep = { type: jsep.type, sdp: jsep.sdp }
    return pluginMessage(await this.#janus.request(request))
  }

  /** One of our ICE candidates; null: we have no more (`completed`). */
  trickle(candidate: RTCIceCandidateInit | null): void {
    const body = candidate ?? { completed: true }
    this.#janus.request({ janus: 'trickle', handle_id: this.id, candidate: body }, true).catch(() => undefined)
  }

  /** @internal for Janus: something Janus sent for this handle outside a request. */
  receive(message: Json): void {
    switch (message.janus) {
      case 'event':
        this.#events.onEvent?.(pluginMessage(message))
        break
      case 'trickle': {
        const candidate = obj(message.candidate)
        if (candidate.completed === true) this.#events.onCandidate?.(null)
        else if (typeof candidate.candidate === 'string') {
          this.#events.onCandidate?.({
            candidate: candidate.candidate,
            sdpMid: typeof candidate.sdpMid === 'string' ? candidate.sdpMid : null,
            sdpMLineIndex: typeof candidate.sdpMLineIndex === 'number' ? candidate.sdpMLineIndex : null,
          })
        }
        break
      }
      case 'detached':
        this.#janus.forget(this)
        break
    }
  }
}
