// The secret-chat REST calls the UI makes (the engine makes its own: ../engine). Types come
// from the generated OpenAPI file.
import { request } from '@/api/http'
import type { components } from '@/api/openapi'
import type { Chat, ChatInfo, ChatWithInvites } from '@/api/types'

type S = components['schemas']
export type SecretChatCreate = S['SecretPrivateCreate'] | S['SecretGroupCreate']

/** At most 50 members in a secret group, the creator included (server: MAX_SECRET_GROUP_MEMBERS). */
export const MAX_SECRET_GROUP_MEMBERS = 50

/** A new secret chat: never the ordinary chat of the same people. */
export function createSecretChat(body: SecretChatCreate): Promise<ChatWithInvites> {
  return request<ChatWithInvites>('POST', '/api/e2ee/chats', body)
}

/** A timer the server accepts, in seconds; null is off. */
export type TimerChoice = S['TimerIn']['seconds']
/** Self-destruct timer choices, as Telegram's secret chats offer them: off, 5 s to a week. */
export const TIMER_CHOICES: readonly TimerChoice[] = [null, 5, 10, 30, 60, 300, 3600, 86400, 604800]

/** Set the chat's self-destruct timer for messages sent from now on; null turns it off.
 *  The answer is the chat's heading, as `chat:updated` brings it to the other devices. */
export function setSelfDestruct(chatId: number, seconds: TimerChoice): Promise<ChatInfo> {
  return request<ChatInfo>('PUT', `/api/e2ee/chats/${chatId}/timer`, { seconds })
}

/** The chat's timer in seconds, null when off (a zero would be off too). */
export function selfDestructOf(chat: Chat | ChatInfo): number | null {
  const value = chat.selfDestructSeconds
  return value !== null && value > 0 ? value : null
}
