// The local lifecycle of one call, as this browser sees it. The server's call has only
// ringing → active → ended (docs/calls.md §3); locally we also need to know which side is
// ringing and whether media is flowing yet, so the UI and the peer code can branch on one
// value. Moves live in a table and anything else throws: a bug shows up as an exception at
// the bad move, not as a call stuck half-way.
import type { CallEndReason } from '@/api/types'

export enum CallState {
  /** No call: nothing started, nothing received. */
  Idle = 'idle',
  /** We sent `call:start`; the others are being rung. */
  OutgoingRinging = 'outgoing-ringing',
  /** A `call:incoming` arrived; we have not answered yet. */
  IncomingRinging = 'incoming-ringing',
  /** Answered (or joined); peer connections are negotiating, no media yet. */
  Connecting = 'connecting',
  /** Media flows with at least one peer. */
  Connected = 'connected',
  /** ICE failed after being connected; an ICE restart is under way. */
  Reconnecting = 'reconnecting',
  /** Over, for the reason in `endReason`. Terminal: a new call gets a new machine. */
  Ended = 'ended',
}

/**
 * Reasons the browser ends a call on its own, on top of the server's `CallEndReason`.
 * Each one is decided here, not by the server, so the server may never hear of it (the
 * client still sends `call:end` where it can, so the others are told).
 */
export type LocalEndReason =
  /** getUserMedia was refused (NotAllowedError / SecurityError): the user or the browser
   *  policy said no to the microphone or camera. */
  | 'media-denied'
  /** No usable device (NotFoundError, NotReadableError: missing, or held by another app). */
  | 'media-unavailable'
  /** ICE could not (re)connect within the reconnect budget, even after `restartIce()`. */
  | 'connection-failed'
  /** A command was refused (`in_call`, `call_full`, `not_found`, `call_in_progress`...). */
  | 'rejected'
  /** Our user answered or joined the call from another tab or device (calls.md §4: we get
   *  `call:participant_joined` with our own user id): leave without `call:end`. */
  | 'answered-elsewhere'
  /** We left the call's group or were removed from it (`chat:removed`): the server has
   *  already taken us out of the call (calls.md §5), so there is nothing to send. */
  | 'left-chat'
  /** Janus took us out of the call's room (calls.md §9: the server kicks a feed whose user
   *  left the call, the chat, or answered elsewhere): nothing to send either. */
  | 'removed'

/**
 * Every reason a call can end:
 * - `busy`: the callee was already in a call and was never rung.
 * - `declined`: the callee (or, in a group, every other member) declined while ringing.
 * - `missed`: nobody answered within the server's ring time (45 s).
 * - `cancelled`: the caller hung up while it was still ringing.
 * - `hangup`: an answered call ended normally (the last one to talk to left).
 * - `disconnected`: like `cancelled`/`hangup`, but the leaver's socket closed and the 10 s
 *   grace period ran out.
 * - plus the `LocalEndReason`s above.
 */
export type EndReason = CallEndReason | LocalEndReason

// The allowed moves. Idle → Connecting is joining a call already in progress (a group
// call, or rejoining our own after a reload); Idle → Ended covers a `call:start` whose ack
// is already ended (`busy`) or media refused before anything was sent. Reconnecting →
// Connecting is not allowed: after a restart we are either back (Connected) or done.
const TRANSITIONS: Readonly<Record<CallState, readonly CallState[]>> = {
  [CallState.Idle]: [
    CallState.OutgoingRinging,
    CallState.IncomingRinging,
    CallState.Connecting,
    CallState.Ended,
  ],
  [CallState.OutgoingRinging]: [CallState.Connecting, CallState.Ended],
  [CallState.IncomingRinging]: [CallState.Connecting, CallState.Ended],
  [CallState.Connecting]: [CallState.Connected, CallState.Reconnecting, CallState.Ended],
  [CallState.Connected]: [CallState.Reconnecting, CallState.Ended],
  [CallState.Reconnecting]: [CallState.Connected, CallState.Ended],
  [CallState.Ended]: [],
}

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: CallState,
    readonly to: CallState,
  ) {
    super(`illegal call transition ${from} → ${to}`)
    this.name = 'IllegalTransitionError'
  }
}

export type StateListener = (state: CallState, previous: CallState) => void

export class CallMachine {
  #state: CallState = CallState.Idle
  #previous: CallState = CallState.Idle
  #endReason: EndReason | null = null
  readonly #listeners = new Set<StateListener>()

  get state(): CallState {
    return this.#state
  }

  /** Why the call ended; null until it has. */
  get endReason(): EndReason | null {
    return this.#endReason
  }

  get ended(): boolean {
    return this.#state === CallState.Ended
  }

  can(to: CallState): boolean {
    return TRANSITIONS[this.#state].includes(to)
  }

  /** Moves to any state but Ended (use `end()`, which needs a reason). Throws
   *  IllegalTransitionError for a move not in the table, including a move to itself. */
  transition(to: Exclude<CallState, CallState.Ended>): void {
    this.#move(to)
  }

  /** Ends the call. Throws if it has already ended: callers that may race the server's
   *  `call:ended` against their own hang-up check `ended` first. */
  end(reason: EndReason): void {
    this.#move(CallState.Ended)
    this.#endReason = reason
    // Listeners see the reason: set it before they run, then notify.
    this.#notify(CallState.Ended, this.#previous)
  }

  /** Subscribe to moves; returns the unsubscribe function. */
  onChange(listener: StateListener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  #move(to: CallState): void {
    const from = this.#state
    if (!this.can(to)) throw new IllegalTransitionError(from, to)
    this.#previous = from
    this.#state = to
    if (to !== CallState.Ended) this.#notify(to, from)
  }

  #notify(state: CallState, previous: CallState): void {
    for (const listener of [...this.#listeners]) listener(state, previous)
  }
}
