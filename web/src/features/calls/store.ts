// The call feature's state and flows: the call on this tab (a CallSession), the live calls
// in the user's chats (for "Join call"), and one entry point per server call event
// (realtime/handlers.ts forwards them here). docs/calls.md "Client" describes the flows.
import { defineStore } from 'pinia'
import { computed, reactive, shallowRef, watch } from 'vue'
import type { Call, CallEventOf, CommandReply, SfuAccess } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useToastsStore } from '@/features/notifications/toasts'
import { defaultDeps, type CallDeps } from './deps'
import { CallState, type EndReason } from './machine'
import { MediaAccessError, type CallMedia } from './media'
import { CallSession } from './session'
import { endMessage } from './messages'
import { setting } from '@/realtime/state'

const STORAGE_KEY = 'shomik.call'
/** The server keeps our place for `callGraceSeconds` (ready config; calls.md §4) after our
 *  socket closes; 2 s more here, since our own reconnect backoff may still bring the
 *  socket back in time. */
export function socketGraceMs(): number {
  return setting('callGraceSeconds') * 1000 + 2000
}
// The server may send our own call:participant_joined a little after the ack of our own
// accept/join; until then it is ours, not "answered on another device".
const OWN_JOIN_MS = 5000

export const useCallsStore = defineStore('calls', () => {
  let deps: CallDeps | null = null
  const current = shallowRef<CallSession | null>(null)
  /** Live calls in the user's chats, by chat id (one per chat, calls.md §3). */
  const live = reactive(new Map<number, Call>())
  let expectOwnJoin = false
  let ownJoinTimer: ReturnType<typeof setTimeout> | null = null
  let socketTimer: ReturnType<typeof setTimeout> | null = null
  let socketLost = false

  const me = (): number => useAuthStore().user?.id ?? 0
  const toast = (title: string, body: string): void => {
    useToastsStore().show({ title, body, kind: 'info', chatId: null })
  }

  let unwatch: (() => void) | null = null
  /** Wires the store to the outside world: MainView with the defaults, tests with fakes.
   *  Calling it again replaces the previous wiring. */
  function configure(custom: Partial<CallDeps> = {}): CallDeps {
    unwatch?.()
    deps = { ...defaultDeps(), ...custom }
    unwatch = watch(deps.connection, onConnection)
    window.removeEventListener('pagehide', onPageHide)
    window.addEventListener('pagehide', onPageHide)
    return deps
  }
  const d = (): CallDeps => deps ?? configure()

  // A function, not `current.value` inline: TypeScript would keep a narrowing of it across
  // the awaits of a flow, where another flow (hang-up, an event) may have changed it.
  const active = (): CallSession | null => current.value

  const state = computed(() => current.value?.view.state ?? CallState.Idle)
  const inCall = computed(() => current.value !== null)

  function remember(call: Call): void {
    if (call.state === 'ended') live.delete(call.chatId)
    else live.set(call.chatId, call)
  }

  /** The live call in a chat that this tab could join ("Join call"). */
  function joinable(chatId: number): Call | null {
    const call = live.get(chatId)
    if (!call || call.state !== 'active' || current.value) return null
    return call
  }

  async function refreshLive(): Promise<void> {
    let calls: Call[]
    try {
      calls = await d().liveCalls()
    } catch {
      return // best effort: events keep the list current meanwhile
    }
    live.clear()
    for (const call of calls) remember(call)
    // A reload in the middle of a call: rejoin within the server's grace period.
    const saved = d().storage.getItem(STORAGE_KEY)
    if (saved && !current.value) {
      const call = calls.find((c) => c.id === saved)
      if (call?.participants.includes(me())) await join(call)
      else d().storage.removeItem(STORAGE_KEY)
    }
  }

  function newSession(call: Call): CallSession {
    const session = new CallSession({
      call,
      me: me(),
      devices: d().devices(),
      ...(d().PeerConnection ? { PeerConnection: d().PeerConnection } : {}),
      sendSignal: (to, data) => {
        // Best effort (peer.ts): a lost signal is recovered by renegotiation or ICE restart.
        // The session's id, not `call.id`: a caller's session starts before the server has
        // given the call its id (media first), and learns it from the call:start ack.
        d().command('call:signal', { callId: session.id, to, data }).catch(() => undefined)
      },
      onConnectionLost: () => { void hangUp('connection-failed') },
      // Kicked or the room destroyed: the server's own event says why (no call:end: a kick
      // may be our other device answering). Janus gone: we cannot take part, so we leave.
      onSfuExit: (reason) => {
        if (active() !== session) return
        if (reason === 'lost') void hangUp('connection-failed')
        else finish(session, reason === 'ended' ? 'hangup' : 'removed')
      },
    })
    current.value = session
    return session
  }

  /** Media first: nobody is rung for a call we cannot take part in. */
  async function prepare(session: CallSession): Promise<boolean> {
    try {
      const [config] = await Promise.all([d().iceConfig(), session.startMedia()])
      session.config = config
      return active() === session
    } catch (error) {
      if (active() !== session) return false // hung up while the prompt was open
      finish(session, error instanceof MediaAccessError ? error.reason : 'rejected', error)
      return false
    }
  }

  async function start(chatId: number, media: CallMedia): Promise<void> {
    if (current.value) return
    // A placeholder until the ack names the call: the media and ICE config do not wait.
    const draft = newSession({
      id: '', chatId, media, state: 'ringing', initiatorId: me(), participants: [me()],
      topology: 'mesh', maxParticipants: 2, startedAt: '', answeredAt: null, endedAt: null,
      endReason: null,
    })
    if (!(await prepare(draft))) return
    let call: Call
    let sfu: SfuAccess | null | undefined
    try {
      ;({ call, sfu } = await d().command('call:start', { chatId, media }))
    } catch (error) {
      finish(draft, 'rejected', error)
      return
    }
    if (active() !== draft) {
      // Hung up while the command was in flight: tell the server.
      if (call.state !== 'ended') d().command('call:end', { callId: call.id }).catch(() => undefined)
      return
    }
    remember(call)
    if (call.state === 'ended') {
      finish(draft, call.endReason ?? 'busy')
      return
    }
    // The real call id from now on: signals and events name it.
    draft.update(call)
    draft.machine.transition(CallState.OutgoingRinging)
    d().storage.setItem(STORAGE_KEY, call.id)
    if (sfu) await connect(draft, [], sfu) // through the SFU: we publish while they ring
  }

  /** Media paths as the newcomer: into the call's Janus room with the ack's `sfu` (calls.md
   *  §9; refused or unreachable: we cannot take part, so we leave the call and the others
   *  go on), else a Peer per participant, who offer to us (session.addPeer). */
  async function connect(session: CallSession, participants: number[], sfu: SfuAccess | null | undefined): Promise<void> {
    if (!sfu) {
      for (const userId of participants) session.addPeer(userId, false)
      return
    }
    try {
      await session.joinSfu(sfu)
    } catch (error) {
      if (active() !== session) return
      console.warn('sfu:', error)
      finish(session, 'connection-failed')
      await d().command('call:end', { callId: session.id }).catch(() => undefined)
    }
  }

  async function accept(): Promise<void> {
    const session = current.value
    if (session?.view.state !== CallState.IncomingRinging) return
    d().ringtone.stop()
    if (!(await prepare(session))) {
      d().command('call:decline', { callId: session.id }).catch(() => undefined)
      return
    }
    await admit(session, 'call:accept')
  }

  /** Joins a running group call, or our own call again after a reload. */
  async function join(call: Call): Promise<void> {
    if (current.value) return
    const session = newSession(call)
    if (!(await prepare(session))) return
    await admit(session, 'call:join')
  }

  async function admit(session: CallSession, command: 'call:accept' | 'call:join'): Promise<void> {
    expectOwnJoin = true
    let call: Call
    let sfu: SfuAccess | null | undefined
    try {
      ;({ call, sfu } = await d().command(command, { callId: session.id }))
    } catch (error) {
      expectOwnJoin = false
      finish(session, 'rejected', error)
      return
    }
    if (active() !== session) return
    if (ownJoinTimer) clearTimeout(ownJoinTimer)
    ownJoinTimer = setTimeout(() => { expectOwnJoin = false }, OWN_JOIN_MS)
    remember(call)
    session.update(call)
    d().storage.setItem(STORAGE_KEY, call.id)
    if (session.machine.can(CallState.Connecting)) session.machine.transition(CallState.Connecting)
    await connect(session, call.participants, sfu)
  }

  function decline(): void {
    const session = current.value
    if (!session) return
    d().command('call:decline', { callId: session.id }).catch(() => undefined)
    finish(session, 'declined')
  }

  /** "Hang up", and the local reasons to leave (ICE gave up). */
  async function hangUp(reason: EndReason = 'hangup'): Promise<void> {
    const session = current.value
    if (!session) return
    const ringing = session.view.state === CallState.OutgoingRinging
    finish(session, ringing ? 'cancelled' : reason)
    if (session.id) await d().command('call:end', { callId: session.id }).catch(() => undefined)
  }

  function toggleMute(): void {
    const s = current.value
    s?.setMuted(!s.view.muted)
  }
  function toggleCamera(): void {
    const s = current.value
    s?.setCameraOff(!s.view.cameraOff)
  }
  async function toggleScreenShare(): Promise<void> {
    const s = current.value
    await s?.setSharing(!s.view.sharing)
  }

  /** The single cleanup path: ringtone, peers, tracks, machine, saved id. */
  function finish(session: CallSession, reason: EndReason, error?: unknown): void {
    d().ringtone.stop()
    session.close(reason)
    if (current.value === session) current.value = null
    if (session.id) d().storage.removeItem(STORAGE_KEY)
    const text = endMessage(reason, session.initiatorId === session.me, error)
    if (text) toast(text.title, text.body)
  }

  // ---- server events (realtime/handlers.ts) ----

  function onIncoming({ data }: CallEventOf<'call:incoming'>): void {
    remember(data.call)
    // Busy in a private chat is answered by the server; a group ring while we are in a
    // call (or ringing) is ignored: the header offers "Join call" later.
    if (current.value) return
    const session = newSession(data.call)
    session.machine.transition(CallState.IncomingRinging)
    d().ringtone.start()
  }

  /** call:accepted and call:participant_joined: someone is in the call now. */
  function onJoined({ data }: CallEventOf<'call:accepted' | 'call:participant_joined'>): void {
    remember(data.call)
    const session = current.value
    if (session?.id !== data.callId) return
    session.update(data.call)
    if (data.userId === me()) {
      if (expectOwnJoin) {
        expectOwnJoin = false
        return
      }
      // Answered or joined from another tab or device (calls.md §4): leave quietly.
      finish(session, 'answered-elsewhere')
      return
    }
    if (session.view.state === CallState.IncomingRinging) return // another member answered
    if (session.view.state === CallState.OutgoingRinging) {
      session.machine.transition(CallState.Connecting)
    }
    // We were here first: we offer to the newcomer (or to someone back after a reload).
    session.addPeer(data.userId, true)
  }

  function onDeclined({ data }: CallEventOf<'call:declined'>): void {
    remember(data.call)
    const session = current.value
    // Declined on another device of ours: stop ringing here too.
    if (session?.id === data.callId && data.userId === me()) finish(session, 'declined')
  }

  function onLeft({ data }: CallEventOf<'call:participant_left'>): void {
    remember(data.call)
    const session = current.value
    if (session?.id !== data.callId) return
    session.update(data.call)
    session.removePeer(data.userId)
  }

  function onEnded({ data }: CallEventOf<'call:ended'>): void {
    live.delete(data.call.chatId)
    const session = current.value
    if (session?.id === data.callId) finish(session, data.reason)
  }

  /** chat:removed: no longer a member, so out of the chat's call (the server took us out,
   *  and sends us no more of its events): drop it, and leave it if it is ours. */
  function onChatRemoved(chatId: number): void {
    live.delete(chatId)
    const session = current.value
    if (session?.chatId === chatId) finish(session, 'left-chat')
  }

  function onSignal({ data }: CallEventOf<'call:signal'>): void {
    const session = current.value
    if (session?.id !== data.callId || session.view.state === CallState.IncomingRinging) return
    session.handleSignal(data.from, data.data)
  }

  // ---- ways out that are not a button ----

  function onConnection(state: string): void {
    const session = current.value
    if (state === 'ready') {
      if (socketTimer) clearTimeout(socketTimer)
      socketTimer = null
      const rejoin = socketLost && session !== null
      socketLost = false
      if (rejoin) void rejoinAfterLoss(session)
      void refreshLive()
      return
    }
    if (state === 'idle') {
      // Signed out or stopped: nothing will come back.
      if (session) finish(session, 'disconnected')
      return
    }
    if (!session || socketLost) return
    // Media flows peer to peer without the socket; keep the call through the grace period.
    socketLost = true
    socketTimer = setTimeout(() => {
      socketTimer = null
      const s = current.value
      if (s) finish(s, 'disconnected')
    }, socketGraceMs())
  }

  async function rejoinAfterLoss(session: CallSession): Promise<void> {
    if (session.view.state === CallState.IncomingRinging) {
      // We cannot rejoin a call we never answered: is it still ringing?
      const calls = await d().liveCalls().catch(() => null)
      if (calls && !calls.some((c) => c.id === session.id)) finish(session, 'disconnected')
      return
    }
    expectOwnJoin = true
    // Through the SFU, our feed is kicked when we rejoin from this new socket (calls.md §9):
    // leave the room first, so the kick cannot be taken for a removal, and publish anew.
    session.leaveSfu()
    let reply: CommandReply<'call:join'>
    try {
      reply = await d().command('call:join', { callId: session.id })
    } catch {
      finish(session, 'disconnected') // the server has ended it meanwhile
      return
    }
    if (active() !== session) return
    session.update(reply.call)
    remember(reply.call)
    if (reply.call.state === 'ringing' && !reply.sfu) return
    // The others drop their old connections on our participant_joined and offer anew.
    session.removeAllPeers()
    await connect(session, reply.call.participants, reply.sfu)
  }

  function onPageHide(): void {
    // No call:end: a reload rejoins within the grace period with the saved id, and a
    // closed tab is ended by the server as `disconnected`. Devices go dark either way.
    const session = current.value
    if (!session) return
    d().ringtone.stop()
    session.close('disconnected')
    current.value = null
  }

  return {
    current, state, inCall, live, configure, joinable, refreshLive, start, accept, join,
    decline, hangUp, toggleMute, toggleCamera, toggleScreenShare,
    onIncoming, onJoined, onDeclined, onLeft, onEnded, onSignal, onChatRemoved,
  }
})
