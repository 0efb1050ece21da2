// An open secret chat: its group is brought up to date, and whatever its timeline holds
// (pages, events, a jump's window) and its pinned messages go to the decrypt queue as they come.
import { onMounted, watch } from 'vue'
import type { Chat, Message } from '@/api/types'
import { useSecretStore } from './store'

export function useSecretTimeline(chat: () => Pick<Chat, 'id' | 'secret' | 'pinnedMessages'>, messages: () => readonly Message[]): void {
  const store = useSecretStore()
  // The timeline is keyed by chat: mounted once per opening.
  onMounted(() => { if (chat().secret) store.open(chat().id) })
  watch(
    // A copy: the timeline's array is changed in place by events.
    () => (chat().secret ? [...messages(), ...chat().pinnedMessages] : null),
    (list) => { if (list) store.ingest(list) },
    { immediate: true },
  )
}
