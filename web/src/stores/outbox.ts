// Messages the user wrote that the server has not acknowledged yet. Shown at once (local
// echo), sent one at a time in the order written, kept across reloads, and resent with the
// same clientId after a lost connection, so that a retry can never make a second copy.
import { defineStore } from 'pinia'
import { computed, ref, watch } from 'vue'
import type { Attachment, Message } from '@/api/types'
import { load, save } from '@/lib/storage'
import { CommandError } from '@/realtime/client'
import { t } from '@/i18n'

export type OutboxStatus = 'queued' | 'sending' | 'failed'

export interface OutboxItem {
  clientId: string
  chatId: number
  content: string
  replyTo: number | null
  attachments: Attachment[]
  createdAt: string
  status: OutboxStatus
  error: string | null
  /** Secret chats: `content` is the MLS ciphertext, made once before the first attempt and
   *  resent as it is on every retry (features/secret/send.ts). */
  sealed?: boolean
}

export type Sender = (item: OutboxItem) => Promise<Message>

export const useOutboxStore = defineStore('outbox', () => {
  const items = ref<OutboxItem[]>(
    load<OutboxItem[]>('outbox', []).map((i) => (i.status === 'sending' ? { ...i, status: 'queued' } : i)),
  )
  watch(items, (value) => { save('outbox', value) }, { deep: true })

  /** While the server's send limit holds us back: when the queue may go on (ms epoch). */
  const waitUntil = ref<number | null>(null)
  let waitTimer: ReturnType<typeof setTimeout> | undefined
  let running = false
  let sender: Sender | null = null
  let onSent: (message: Message) => void = () => undefined

  const byChat = computed(() => {
    const map = new Map<number, OutboxItem[]>()
    for (const item of items.value) {
      const list = map.get(item.chatId) ?? []
      list.push(item)
      map.set(item.chatId, list)
    }
    return map
  })

  function configure(send: Sender, sent: (message: Message) => void): void {
    sender = send
    onSent = sent
  }

  function enqueue(item: Omit<OutboxItem, 'status' | 'error' | 'createdAt'>): void {
    items.value.push({ ...item, createdAt: new Date().toISOString(), status: 'queued', error: null })
    void flush()
  }

  /** Send everything queued, in order. Stops at the first transient failure: the
   *  connection is gone (`flush` runs again when it is back), the send limit was hit or
   *  the server saved nothing and said to send again (`busy`, `unavailable`: it runs again
   *  when the server's `retryAfter` has passed), or a secret chat's group was not ready to
   *  encrypt (again after a moment). */
  async function flush(): Promise<void> {
    if (running || !sender || waitUntil.value !== null) return
    running = true
    try {
      for (;;) {
        const item = items.value.find((i) => i.status === 'queued')
        if (!item) return
        item.status = 'sending'
        try {
          const message = await sender(item)
          onSent(message)
          items.value = items.value.filter((i) => i.clientId !== item.clientId)
        } catch (e) {
          if (e instanceof CommandError && e.transient) {
            item.status = 'queued'
            // Nothing else wakes the queue for these: it waits, then goes on by itself.
            if (e.code !== 'disconnected' && e.code !== 'timeout') pause(e.retryAfter ?? 1)
            return
          }
          item.status = 'failed'
          item.error = e instanceof Error ? e.message : t('messages.couldNotSend')
        }
      }
    } finally {
      running = false
    }
  }

  /** The server said "not before `seconds`": wait that long, then go on by ourselves
   *  (nothing else would wake the queue: no reconnect comes, and more sends would be
   *  refused the same way). */
  function pause(seconds: number): void {
    const ms = Math.max(1, seconds) * 1000
    waitUntil.value = Date.now() + ms
    clearTimeout(waitTimer)
    waitTimer = setTimeout(() => {
      waitUntil.value = null
      void flush()
    }, ms)
  }

  function retry(clientId: string): void {
    const item = items.value.find((i) => i.clientId === clientId)
    if (item?.status === 'failed') {
      item.status = 'queued'
      item.error = null
      void flush()
    }
  }

  function discard(clientId: string): void {
    items.value = items.value.filter((i) => i.clientId !== clientId)
  }

  /** The server copy arrived (event or replay): the echo is no longer needed. */
  function settle(clientId: string | null): void {
    if (clientId === null) return
    const item = items.value.find((i) => i.clientId === clientId)
    if (item && item.status !== 'sending') discard(clientId)
  }

  function reset(): void {
    items.value = []
    clearTimeout(waitTimer)
    waitUntil.value = null
  }

  return { items, byChat, waitUntil, configure, enqueue, flush, retry, discard, settle, reset }
})
