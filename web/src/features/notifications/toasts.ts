// Toasts: short notices in a corner, each gone after a few seconds or on click. Messages
// collapse into one toast per chat ("Carol: 12 new messages"), so a busy chat never
// stacks a wall of toasts.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { t } from '@/i18n'

export interface Toast {
  id: number
  title: string
  body: string
  kind: 'message' | 'error' | 'info'
  chatId: number | null
  /** Messages this toast stands for (1 for a single one; more once collapsed). */
  count: number
}

// 5 s: long enough to read a two-line preview, short enough not to pile up.
export const TOAST_MS = 5000
const MAX_TOASTS = 3

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  const timers = new Map<number, ReturnType<typeof setTimeout>>()
  let next = 1

  function arm(id: number): void {
    clearTimeout(timers.get(id))
    timers.set(id, setTimeout(() => { dismiss(id) }, TOAST_MS))
  }

  function show(toast: Omit<Toast, 'id' | 'count'>): void {
    const id = next++
    const kept = toasts.value.slice(-(MAX_TOASTS - 1))
    for (const t of toasts.value) if (!kept.includes(t)) clearTimeout(timers.get(t.id))
    toasts.value = [...kept, { ...toast, id, count: 1 }]
    arm(id)
  }

  /** A message in a chat the user is not looking at: a new toast, or the chat's toast
   *  counting one more (moved to the newest place, its time restarted). */
  function showMessage(chatId: number, title: string, preview: string): void {
    const existing = toasts.value.find((t) => t.kind === 'message' && t.chatId === chatId)
    if (!existing) {
      show({ title, body: preview, kind: 'message', chatId })
      return
    }
    const count = existing.count + 1
    const merged: Toast = { ...existing, title, count, body: t('notify.newMessagesN', { n: count }, count) }
    toasts.value = [...toasts.value.filter((t) => t.id !== existing.id), merged]
    arm(existing.id)
  }

  function dismiss(id: number): void {
    clearTimeout(timers.get(id))
    timers.delete(id)
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  /** The chat was opened: its toast has nothing left to say. */
  function dismissChat(chatId: number): void {
    for (const t of toasts.value) if (t.chatId === chatId) dismiss(t.id)
  }

  return { toasts, show, showMessage, dismiss, dismissChat }
})
