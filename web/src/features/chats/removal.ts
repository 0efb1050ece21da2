// What to tell a user who is no longer in a chat, from the server's `chat:removed`.
import type { ChatRemoved } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useUsersStore } from '@/stores/users'
import { t } from '@/i18n'
import { isolate } from '@/lib/bidi'

/** With the names isolated (lib/bidi.ts): show it with BidiText. */
export function removalText(removal: ChatRemoved): string {
  const chat = isolate(removal.chatName ?? t('notify.theGroup'))
  if (removal.reason === 'left' || removal.byUserId === useAuthStore().user?.id) {
    return t('notify.youLeft', { chat })
  }
  const by = removal.byUserId === null ? undefined : useUsersStore().byId.get(removal.byUserId)
  return by ? t('notify.removedBy', { chat, by: isolate(by.displayName) }) : t('notify.removed', { chat })
}
