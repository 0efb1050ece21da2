// After creating a group or adding members: the server adds some and invites the others
// (their privacy settings let no one add them). Said in a toast; the chat is what remains.
import type { Chat, ChatWithInvites, UserPublic } from '@/api/types'
import { useToastsStore } from '@/features/notifications/toasts'
import { isolate } from '@/lib/bidi'
import { t } from '@/i18n'

export function takeInvited(result: ChatWithInvites, picked: readonly UserPublic[]): Chat {
  const { invitedUserIds, ...chat } = result
  if (invitedUserIds.length > 0) {
    const names = picked
      .filter((u) => invitedUserIds.includes(u.id))
      .map((u) => isolate(u.displayName))
      .join(', ')
    useToastsStore().show({ title: t('invites.label'), body: t('invites.sent', { names }), kind: 'info', chatId: null })
  }
  return chat
}
