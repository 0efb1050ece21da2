// "Forwarded from Alice": the header opens the original message in its chat (when the
// user is a member there), scrolled to it and flashed, through the jump store (../jump.ts)
// that search results use too. The copy knows the original's id, not its seq: found here.
import type { Message } from '@/api/types'
import { useMessagesStore } from '@/stores/messages'
import { useJumpStore } from '../jump'

type Origin = NonNullable<Message['forwardedFrom']>

export async function jumpToOriginal(origin: Origin): Promise<void> {
  const seq = await seqOf(origin.chatId, origin.messageId)
  if (seq !== null) useJumpStore().request(origin.chatId, seq)
}

/** The seq of a message known by id, loading older pages until it is reached. Ids grow
 *  with time as seqs do within a chat, so paging stops at the first message older than
 *  it; null when it is gone (deleted, or from before the user joined). */
export async function seqOf(chatId: number, messageId: number): Promise<number | null> {
  const store = useMessagesStore()
  const t = store.timeline(chatId)
  if (!t.ready) await store.loadLatest(chatId)
  while ((t.messages[0]?.id ?? 0) > messageId && t.hasOlder) {
    if ((await store.loadOlder(chatId, 100)) === 0) break
  }
  return t.messages.find((m) => m.id === messageId)?.seq ?? null
}
