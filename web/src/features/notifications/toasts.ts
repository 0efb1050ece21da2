// Toasts: short messages in a corner, each gone after a few seconds or on click.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface Toast {
  id: number
  title: string
  body: string
  kind: 'message' | 'error' | 'info'
  chatId: number | null
}

// 5 s: long enough to read a two-line preview, short enough not to pile up.
export const TOAST_MS = 5000
const MAX_TOASTS = 4

export const useToastsStore = defineStore('toasts', () => {
  const toasts = ref<Toast[]>([])
  let next = 1

  function show(toast: Omit<Toast, 'id'>): void {
    const id = next++
    toasts.value = [...toasts.value, { ...toast, id }].slice(-MAX_TOASTS)
    setTimeout(() => { dismiss(id) }, TOAST_MS)
  }

  function dismiss(id: number): void {
    toasts.value = toasts.value.filter((t) => t.id !== id)
  }

  return { toasts, show, dismiss }
})
