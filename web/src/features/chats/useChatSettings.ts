// The user's own settings of a chat (mute, archive, pin, marked unread), changed from the
// chat list. Each change is applied here at once from the server's answer; the user's other
// devices hear it as `chat:settings`. A refusal (too many pins) is said in a toast.
import { ApiError, api } from '@/api/http'
import type { Chat, ChatSettingsUpdate } from '@/api/types'
import { useChatsStore } from '@/stores/chats'
import { movePinned, muteUntil, pinnedTimes, type MuteFor } from '@/stores/chatOrder'
import { useToastsStore } from '@/features/notifications/toasts'
import { realtime, setting } from '@/realtime/state'
import { t } from '@/i18n'

// The user's changes reach the server one at a time, in the order they were made: two pins
// sent at once could be stored the other way round (each chat's `pinnedAt` is the server's
// time of its own request), and a mute then an unmute could end muted.
let queue: Promise<unknown> = Promise.resolve()

export function inOrder<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task)
  queue = run.catch(() => undefined)
  return run
}

export function useChatSettings() {
  const chats = useChatsStore()
  const toasts = useToastsStore()

  function fail(e: unknown): void {
    const body = e instanceof ApiError && e.code === 'too_many_pins'
      ? t('chatActions.tooManyPins', { n: setting('maxPinnedChats') }, setting('maxPinnedChats'))
      : e instanceof Error ? e.message : t('common.tryAgain')
    toasts.show({ title: t('chatActions.failed'), body, kind: 'error', chatId: null })
  }

  async function change(chat: Chat, update: ChatSettingsUpdate): Promise<void> {
    try {
      const settings = await inOrder(() => api.updateChatSettings(chat.id, update))
      chats.applySettings({ chatId: chat.id, settings })
    } catch (e) {
      fail(e)
    }
  }

  /** "Mark as read": a read of the newest message (which clears the mark on the server
   *  too), or only the mark when there is nothing to read. */
  async function markRead(chat: Chat): Promise<void> {
    const last = chat.lastMessage
    const client = realtime()
    if (!last || !client) return change(chat, { markedUnread: false })
    try {
      await client.command('message:read', { chatId: chat.id, messageId: last.id })
    } catch (e) {
      fail(e)
    }
  }

  /** Every pinned chat, in its order (the server wants them all in a reorder). */
  function pinnedIds(): number[] {
    return chats.sorted.filter((c) => c.settings.pinned).map((c) => c.id)
  }

  /** Put the pinned chats in this order: shown at once, then said to the server (which
   *  tells the other devices); on a refusal the list goes back to the server's order. */
  async function reorder(ids: number[]): Promise<void> {
    const times = pinnedTimes(ids, ids.map((id) => chats.byId.get(id)?.settings.pinnedAt ?? null))
    for (const [id, pinnedAt] of times) {
      const chat = chats.byId.get(id)
      if (chat) chats.applySettings({ chatId: id, settings: { ...chat.settings, pinnedAt } })
    }
    try {
      await inOrder(() => api.reorderPinned(ids))
    } catch (e) {
      fail(e)
      await chats.refresh().catch(() => undefined)
    }
  }

  return {
    mute: (chat: Chat, choice: MuteFor) => change(chat, { mutedUntil: muteUntil(choice) }),
    unmute: (chat: Chat) => change(chat, { mutedUntil: null }),
    archive: (chat: Chat, archived: boolean) => change(chat, { archived }),
    pin: (chat: Chat, pinned: boolean) => change(chat, { pinned }),
    markUnread: (chat: Chat) => change(chat, { markedUnread: true }),
    markRead,
    reorder,
    /** Move a pinned chat one place up (-1) or down (+1). */
    move: (chat: Chat, step: -1 | 1) => {
      const ids = pinnedIds()
      return reorder(movePinned(ids, chat.id, ids.indexOf(chat.id) + step))
    },
    /** A pinned chat dropped on another: it takes that one's place. */
    moveTo: (id: number, targetId: number) => {
      const ids = pinnedIds()
      return reorder(movePinned(ids, id, ids.indexOf(targetId)))
    },
    pinnedIds,
  }
}
