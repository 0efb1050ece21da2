// Which side columns are open, as in Telegram Web: Settings in place of the chat list (the
// left column), and the open chat's info (group info, or the peer's profile) beside the chat
// (the right column). The info column follows the open chat, so it stays open across chats.
import { defineStore } from 'pinia'
import { ref } from 'vue'

export type PanelName = 'settings' | 'info'

export const usePanelsStore = defineStore('panels', () => {
  const settings = ref(false)
  const info = ref(false)
  const flags = { settings, info }
  // Where focus returns on close, taken when opening: the panels load lazily, and by the time
  // one mounts, its opener may be hidden (the chat list behind Settings, the chat on a phone)
  // and so no longer focused.
  const openers: Record<PanelName, HTMLElement | null> = { settings: null, info: null }

  function open(name: PanelName): void {
    const active = document.activeElement
    openers[name] = active instanceof HTMLElement && active !== document.body ? active : null
    flags[name].value = true
  }

  function close(name: PanelName): void {
    flags[name].value = false
  }

  function opener(name: PanelName): HTMLElement | null {
    return openers[name]
  }

  return { settings, info, open, close, opener }
})
