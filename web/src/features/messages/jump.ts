// "Open this chat at that message": set by a search result (or anything outside the chat
// view), taken by the chat's timeline when it shows that chat, whether it is already open
// or opens because of it.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export interface JumpTarget {
  chatId: number
  seq: number
}

export const useJumpStore = defineStore('jump', () => {
  const target = ref<JumpTarget | null>(null)

  function request(chatId: number, seq: number): void {
    // A new object each time: choosing the same result twice jumps twice.
    target.value = { chatId, seq }
  }

  /** The seq to show in this chat, once. */
  function take(chatId: number): number | null {
    const t = target.value
    if (!t || t.chatId !== chatId) return null
    target.value = null
    return t.seq
  }

  return { target, request, take }
})
