// What the user is writing, per chat: the reply target (set from a message's menu).
// Drafts and attachments are added by the composer feature.
import { defineStore } from 'pinia'
import { reactive } from 'vue'
import type { Message } from '@/api/types'

export const useComposerStore = defineStore('composer', () => {
  const replyTo = reactive(new Map<number, Message>())
  /** Bumped to ask the composer of a chat to take focus (after "Reply"). */
  const focusTick = reactive(new Map<number, number>())

  function setReply(chatId: number, message: Message | null): void {
    if (message) replyTo.set(chatId, message)
    else replyTo.delete(chatId)
    focusTick.set(chatId, (focusTick.get(chatId) ?? 0) + 1)
  }

  return { replyTo, focusTick, setReply }
})
