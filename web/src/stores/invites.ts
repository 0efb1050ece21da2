// Invitations to groups (for a user who lets no one add them): shown above the chat list
// with Accept / Decline, kept current by `chat:invited` and `chat:invite_removed`.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import { api } from '@/api/http'
import type { Invite } from '@/api/types'
import { useChatsStore } from './chats'

export const useInvitesStore = defineStore('invites', () => {
  /** Newest first. */
  const list = ref<Invite[]>([])

  async function refresh(): Promise<void> {
    list.value = (await api.invites()).invites
  }

  function add(invite: Invite): void {
    list.value = [invite, ...list.value.filter((i) => i.chatId !== invite.chatId)]
  }

  function remove(chatId: number): void {
    list.value = list.value.filter((i) => i.chatId !== chatId)
  }

  /** Join the group: it is in the chat list at once (its `chat:new` follows). */
  async function accept(chatId: number): Promise<void> {
    const chat = await api.acceptInvite(chatId)
    remove(chatId)
    useChatsStore().upsert(chat)
  }

  async function decline(chatId: number): Promise<void> {
    await api.declineInvite(chatId)
    remove(chatId)
  }

  function reset(): void {
    list.value = []
  }

  return { list, refresh, add, remove, accept, decline, reset }
})
