// A secret chat's marks as words, for a control whose name must carry them (the header's
// button: images inside a button are not announced apart from its name).
import type { Chat } from '@/api/types'
import { t } from '@/i18n'
import { selfDestructOf } from './api'
import { timerText } from './timer'
import { useSecretTrustStore } from './trust'

/** "Secret chat, Verified, Self-destruct timer: 5 seconds" (the parts that apply). */
export function secretMarksText(chat: Chat): string {
  const parts = [t('secretChat.lock')]
  if (useSecretTrustStore().isVerified(chat.id)) parts.push(t('secretChat.verified'))
  const timer = selfDestructOf(chat)
  if (timer !== null) parts.push(t('secretChat.timerBadge', { time: timerText(timer) }))
  return parts.join(', ')
}
