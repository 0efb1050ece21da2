import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { TOAST_MS, useToastsStore } from './toasts'

beforeEach(() => { setActivePinia(createPinia()) })

describe('toasts', () => {
  it('collapses a chat\'s messages into one toast that counts them', () => {
    const toasts = useToastsStore()
    toasts.showMessage(1, 'Carol', 'hi')
    toasts.showMessage(2, 'Dave', 'yo')
    for (let i = 0; i < 11; i++) toasts.showMessage(1, 'Carol', `m${i}`)
    expect(toasts.toasts.map((t) => [t.chatId, t.title, t.body])).toEqual([
      [2, 'Dave', 'yo'],
      [1, 'Carol', '12 new messages'],
    ])
  })

  it('keeps a collapsing toast up while messages keep coming, and caps the stack', () => {
    vi.useFakeTimers()
    try {
      const toasts = useToastsStore()
      toasts.showMessage(1, 'Carol', 'a')
      vi.advanceTimersByTime(TOAST_MS - 100)
      toasts.showMessage(1, 'Carol', 'b')
      vi.advanceTimersByTime(TOAST_MS - 100)
      expect(toasts.toasts).toHaveLength(1)
      vi.advanceTimersByTime(200)
      expect(toasts.toasts).toHaveLength(0)
      for (let chat = 1; chat <= 5; chat++) toasts.showMessage(chat, `c${chat}`, 'x')
      expect(toasts.toasts.map((t) => t.chatId)).toEqual([3, 4, 5])
      toasts.dismissChat(4)
      expect(toasts.toasts.map((t) => t.chatId)).toEqual([3, 5])
    } finally {
      vi.useRealTimers()
    }
  })
})
