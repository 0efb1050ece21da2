// Keeps the stores in step with the server: one RealtimeClient, resume from the last
// applied seq, a full refetch when resuming is refused, events buffered while it runs.
import { ref } from 'vue'
import type { Message, ServerEvent } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useBlocksStore } from '@/stores/blocks'
import { useInvitesStore } from '@/stores/invites'
import { useChatsStore } from '@/stores/chats'
import { useMembersStore } from '@/stores/members'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore, type OutboxItem } from '@/stores/outbox'
import { useUsersStore } from '@/stores/users'
import { clearMediaCache } from '@/lib/media'
import { useSecretStore } from '@/features/secret/store'
import { sealOutboxItem, sentSecret } from '@/features/secret/send'
import { prepareSecretDevice } from '@/features/secret'
import { RealtimeClient } from './client'
import { createStateLoader } from './stateLoad'
import { applyOwnAck, createHandlers, type Handlers } from './handlers'
import { config, connection, setRealtime } from './state'
import { t } from '@/i18n'

// The connection's state, the client and the server's settings live in a leaf module that
// features import without importing the stores and handlers (no import cycles).
export { config, connection, realtime } from './state'
/** True until the first state is loaded after sign-in or a resync. */
export const syncing = ref(false)

let client: RealtimeClient | null = null
const loader = createStateLoader()
let lastSeq: number | null = null
// The epoch of the event log that lastSeq counts in, set with it: after the server restores
// an older backup, a resume from lastSeq is refused and the state refetched
// (docs/protocol.md §1.4).
let lastEpoch: string | null = null

function socketUrl(): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`
}

function isViewing(chatId: number): boolean {
  return useChatsStore().activeId === chatId && document.visibilityState === 'visible'
}

export function startSync(): void {
  if (client) return
  const auth = useAuthStore()
  const chats = useChatsStore()
  const messages = useMessagesStore()
  const outbox = useOutboxStore()
  const blocks = useBlocksStore()
  const invites = useInvitesStore()
  const handlers: Handlers = createHandlers(isViewing)

  const dispatch = (event: ServerEvent): void => {
    if ('seq' in event) {
      // A replayed event already applied (an overlap at resume): skip it.
      if (lastSeq !== null && event.seq <= lastSeq) return
      lastSeq = event.seq
    }
    // A newer server may send an event this client does not know: logged and skipped,
    // never thrown (a throw here would stop a resync and lose the events buffered after).
    const handler = (handlers as Partial<Record<string, (e: ServerEvent) => void>>)[event.type]
    if (!handler) {
      console.warn(`shomik: ignoring unknown event ${event.type}`)
      return
    }
    try {
      handler(event)
    } catch (e) {
      console.error(`shomik: handling ${event.type} failed`, e)
    }
  }

  const send = async (item: OutboxItem): Promise<Message> => {
    // A secret chat's message: encrypted on the first attempt, the same bytes on retries.
    const secret = useSecretStore().isSecret(item.chatId)
    if (secret) await sealOutboxItem(item)
    if (!client) throw new Error(t('common.notConnected'))
    const message = await client.command('message:send', {
      chatId: item.chatId,
      clientId: item.clientId,
      content: item.content,
      replyTo: item.replyTo,
      attachmentIds: item.attachments.map((a) => a.id),
    })
    if (secret) sentSecret(message)
    return message
  }
  outbox.configure(send, applyOwnAck)

  const loadState = async (): Promise<void> => {
    // Member lists loaded before may have missed events: loaded again where shown.
    useMembersStore().reset()
    await Promise.all([chats.refresh(), blocks.refresh(), invites.refresh()])
    // A user with secret chats has this device registered (and its key packages
    // published) now, not when a secret chat is first opened: groups changed
    // meanwhile add it at once (docs/e2ee.md §11).
    if (chats.sorted.some((c) => c.secret)) prepareSecretDevice()
    const open = chats.activeId
    await messages.resync(open !== null && chats.byId.has(open) ? open : null)
  }

  client = new RealtimeClient({
    url: socketUrl(),
    token: () => auth.token,
    since: () => lastSeq,
    epoch: () => lastEpoch,
    handlers: {
      onStateChange: (state) => { connection.value = state },
      onUnauthorized: () => {
        stopSync()
        auth.logout()
        location.assign('/login')
      },
      onEvent: (event) => {
        if (!loader.hold(event)) dispatch(event)
      },
      onReady: ({ user, seq, epoch, resumed, config: settings }) => {
        auth.setUser(user)
        config.value = settings
        // A new connection counts as active; a tab opened or reconnected in the background
        // says it is hidden, or it would keep its user "online" for everyone.
        if (document.visibilityState === 'hidden') sendPresence(false)
        if (resumed) {
          lastEpoch = epoch // the one sent, or learned now from a server that had none
          void outbox.flush()
          return
        }
        // Fresh start or resync: state as of `seq` comes from REST, and events after
        // it (arriving meanwhile) are applied on top, in order.
        syncing.value = true
        void loader.run(loadState, {
          loaded: (held) => {
            lastSeq = seq
            lastEpoch = epoch
            for (const event of held) dispatch(event)
            syncing.value = false
            void outbox.flush()
          },
          failed: (error) => {
            // lastSeq stays where the loaded state is: a new connection loads it again.
            console.warn('shomik: loading the state failed; reconnecting to try again', error)
            client?.retry()
          },
        })
      },
    },
  })
  setRealtime(client)
  window.addEventListener('online', onOnline)
  window.addEventListener('offline', onOffline)
  document.addEventListener('visibilitychange', onVisibility)
  // Not gated on navigator.onLine: a server on the same machine or LAN is reachable even
  // when the browser believes it is offline (no route to the internet).
  client.start()
}

function onOnline(): void { client?.reconnectNow() }
function onOffline(): void { client?.setOffline() }
function onVisibility(): void {
  const visible = document.visibilityState === 'visible'
  if (visible) client?.reconnectNow()
  // Away while hidden; the command also probes the socket when the tab comes back. The
  // server combines every tab's word: one hidden or closing tab never hides the others.
  sendPresence(visible)
}
function sendPresence(visible: boolean): void {
  if (client?.state === 'ready') {
    client.command('presence:set', { status: visible ? 'online' : 'away' }).catch(() => undefined)
  }
}

export function stopSync(): void {
  loader.cancel()
  client?.stop()
  client = null
  setRealtime(null)
  lastSeq = null
  lastEpoch = null
  window.removeEventListener('online', onOnline)
  window.removeEventListener('offline', onOffline)
  document.removeEventListener('visibilitychange', onVisibility)
  useChatsStore().reset()
  useMembersStore().reset()
  useMessagesStore().reset()
  useUsersStore().reset()
  useOutboxStore().reset()
  useSecretStore().reset()
  useBlocksStore().reset()
  useInvitesStore().reset()
  clearMediaCache()
}

