// The explanation given before this device first uses secret chats: keys live only in this
// browser, and signing out of every device loses the history (docs/e2ee.md §7). Asked once
// per sign-in on a device (signing out clears the flag with the rest of localStorage).
import { ref } from 'vue'
import { load, save } from '@/lib/storage'
import { confirm } from '@/ui/confirm'
import { t } from '@/i18n'

const KEY = 'secretIntroSeen'
// localStorage is not reactive: this counter makes readers of introSeen() re-read it.
const changes = ref(0)

/** Read the counter first: a render calling this then depends on it. */
export function introSeen(): boolean {
  return changes.value >= 0 && load<boolean>(KEY, false)
}

export function markIntroSeen(): void {
  save(KEY, true)
  changes.value++
}

/** Before creating the first secret chat: explain, and go on only if the user agrees. */
export async function confirmIntro(): Promise<boolean> {
  if (introSeen()) return true
  const ok = await confirm({
    title: t('secretChat.introTitle'),
    message: t('secretChat.introBody'),
    confirmLabel: t('secretChat.introOk'),
  })
  if (ok) markIntroSeen()
  return ok
}
