// "Start secret chat" with a person: always a new chat (never the ordinary one with them),
// opened at once. The first time on this device, the user is told where the keys live.
import type { Router } from 'vue-router'
import type { Chat } from '@/api/types'
import { takeInvited } from '@/features/chats/invited'
import { useChatsStore } from '@/stores/chats'
import { createSecretChat } from './api'
import { confirmIntro } from './intro'

/** The new chat, or null if the user declined the explanation. Errors are the caller's. */
export async function startSecretChat(userId: number, router: Router): Promise<Chat | null> {
  if (!(await confirmIntro())) return null
  const chat = takeInvited(await createSecretChat({ type: 'private', userId }), [])
  useChatsStore().upsert(chat)
  await router.push({ name: 'chat', params: { id: chat.id } })
  return chat
}
