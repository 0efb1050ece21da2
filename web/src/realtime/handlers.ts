// One handler per server event, in a table typed by the protocol: an event type without
// a handler here is a compile error.
import type { EventOf, EventType, Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useBlocksStore } from '@/stores/blocks'
import { useInvitesStore } from '@/stores/invites'
import { useChatsStore } from '@/stores/chats'
import { useMessagesStore } from '@/stores/messages'
import { useOutboxStore } from '@/stores/outbox'
import { useUsersStore } from '@/stores/users'
import { notifyMessage } from '@/features/notifications/notify'
import { useCallsStore } from '@/features/calls/store'
import { useToastsStore } from '@/features/notifications/toasts'
import { removalText } from '@/features/chats/removal'
import { useSecretStore } from '@/features/secret/store'
import { isControl } from '@/features/secret/wire'
import { onE2eeEvent, onSecretMembersChanged, prepareSecretDevice } from '@/features/secret'
import { identitiesMayHaveChanged } from '@/features/secret/ui/trustSignal'

export type Handlers = { [K in EventType]: (event: EventOf<K>) => void }

/** This stored message is in the stores already: its ack and its `message:new` both reach
 *  the sending tab (whichever comes second changes nothing, so it is not applied again). */
function applied(message: Message): boolean {
  if ((useChatsStore().byId.get(message.chatId)?.lastSeq ?? 0) < message.seq) return false
  const timeline = useMessagesStore().timelines.get(message.chatId)
  // A timeline not loaded gets the message with its page; one loaded must hold it.
  return !timeline?.ready || timeline.messages.some((m) => m.id === message.id)
}

/** The ack of this tab's own `message:send` (the outbox's callback in sync.ts). */
export function applyOwnAck(message: Message): void {
  if (applied(message)) return
  useChatsStore().applyMessage(message, true)
  useMessagesStore().receive(message)
}

export function createHandlers(isViewing: (chatId: number) => boolean): Handlers {
  const chats = useChatsStore()
  const messages = useMessagesStore()
  const outbox = useOutboxStore()
  const users = useUsersStore()
  const auth = useAuthStore()
  const calls = useCallsStore()
  const toasts = useToastsStore()
  const blocks = useBlocksStore()
  const invites = useInvitesStore()
  const secret = useSecretStore()

  return {
    // Calls: all state and flows live in the call store (docs/calls.md "Client").
    'call:incoming': (event) => { calls.onIncoming(event) },
    'call:accepted': (event) => { calls.onJoined(event) },
    'call:participant_joined': (event) => { calls.onJoined(event) },
    'call:participant_left': (event) => { calls.onLeft(event) },
    'call:declined': (event) => { calls.onDeclined(event) },
    'call:ended': (event) => { calls.onEnded(event) },
    'call:signal': (event) => { calls.onSignal(event) },
    'chat:new': ({ data }) => {
      chats.upsert(data)
      // A new secret chat: have this device registered before someone founds its group.
      if (data.secret) prepareSecretDevice()
    },
    'chat:updated': ({ data }) => { chats.applyInfo(data) },
    'chat:members': ({ data }) => {
      chats.applyMembers(data)
      // A secret chat's devices in the group commit the newcomers' devices in (and the
      // leavers' out) now, not at someone's next send: newcomers cannot send before.
      if (chats.byId.get(data.chatId)?.secret) onSecretMembersChanged(data.chatId)
    },
    'chat:removed': ({ data }) => {
      calls.onChatRemoved(data.chatId)
      chats.removed(data)
      messages.drop(data.chatId)
      // Said where the user is looking: the chat's own pane if it is open, else a toast.
      const removals = chats.removals.get(data.chatId)
      if (removals && data.reason === 'removed' && chats.activeId !== data.chatId) {
        toasts.show({ title: removals.chatName ?? 'Group', body: removalText(removals), kind: 'info', chatId: null })
      }
    },
    'message:new': ({ data }) => {
      const viewing = isViewing(data.chatId)
      const fresh = (chats.byId.get(data.chatId)?.lastSeq ?? 0) < data.seq
      // A secret chat's control message (an encrypted reaction) is in the timeline, to keep
      // it gapless, but is never the chat's last message, unread, or announced.
      const control = isControl(data)
      if (!applied(data)) {
        if (!control) chats.applyMessage(data, viewing)
        messages.receive(data)
      }
      secret.ingest([data])
      if (data.senderId === auth.user?.id) outbox.settle(data.clientId)
      else if (fresh && data.type !== 'system' && !control) notifyMessage(data, viewing)
      if (data.senderId !== null) users.stopTyping(data.chatId, data.senderId)
    },
    'message:updated': ({ data }) => {
      chats.applyEdited(data)
      messages.update(data)
      secret.ingest([data])
    },
    'message:deleted': ({ data }) => {
      messages.remove(data.chatId, data.messageIds, data.forEveryone)
      secret.forget(data.chatId, data.messageIds)
      void chats.applyDeleted(data)
    },
    'chat:settings': ({ data }) => { chats.applySettings(data) },
    'pin:updated': ({ data }) => { chats.applyPin(data) },
    'reaction:updated': ({ data }) => { messages.applyReactions(data) },
    'read:updated': ({ data }) => { chats.applyRead(data) },
    'typing:update': ({ data }) => {
      if (data.userId !== auth.user?.id) users.applyTyping(data)
    },
    'user:status': ({ data }) => { users.applyStatus(data) },
    'user:updated': ({ data }) => {
      users.applyProfile(data)
      if (data.id === auth.user?.id) auth.setUser({ ...auth.user, ...data })
    },
    // Privacy (docs/protocol.md "Privacy and blocking"): settings and blocks made on any
    // of this user's devices, and invitations to groups.
    'privacy:updated': ({ data }) => {
      if (auth.user) auth.setUser({ ...auth.user, privacy: data })
    },
    'block:updated': ({ data }) => { blocks.apply(data) },
    'chat:invited': ({ data }) => { invites.add(data) },
    'chat:invite_removed': ({ data }) => { invites.remove(data.chatId) },
    // Secret chats' MLS handshakes (docs/e2ee.md §4): the crypto engine applies them; it is
    // a lazy chunk, loaded by the first such event if no secret chat loaded it before.
    // Both change who holds the chat's keys: an open chat re-reads them for its safety
    // number and key-change warning (features/secret/ui/trust.ts).
    'e2ee:commit': ({ data }) => {
      onE2eeEvent('e2ee:commit', data)
      identitiesMayHaveChanged(data.chatId)
    },
    'e2ee:welcome': ({ data }) => { onE2eeEvent('e2ee:welcome', data) },
    'e2ee:devices_revoked': ({ data }) => {
      onE2eeEvent('e2ee:devices_revoked', data)
      identitiesMayHaveChanged(data.chatId)
    },
    // A member's new device: a device in the group adds it (the engine does nothing where
    // this device is not in the group), and an open chat shows the key-change notice now.
    'e2ee:device_added': ({ data }) => {
      onE2eeEvent('e2ee:device_added', data)
      identitiesMayHaveChanged(data.chatId)
    },
  }
}
