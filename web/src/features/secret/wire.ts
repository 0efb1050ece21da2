// The two message fields of issue 15's server part that the secret-chat views act on.
import type { Message } from '@/api/types'

/** A message whose ciphertext carries a reaction (or another state change), never a bubble. */
export function isControl(message: Pick<Message, 'type'>): boolean {
  return message.type === 'control'
}

/** When a self-destructing message goes (ms since the epoch), or null. */
export function expiresAt(message: Pick<Message, 'expiresAt'>): number | null {
  if (message.expiresAt === null) return null
  const at = Date.parse(message.expiresAt)
  return Number.isNaN(at) ? null : at
}
