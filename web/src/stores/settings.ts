// Theme and text size: applied at once, saved to the user's `params` on the server so
// they follow the user to every device, and cached locally so a reload does not flash.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { api } from '@/api/http'
import type { Params } from '@/api/types'
import { load, save } from '@/lib/storage'
import { useAuthStore } from './auth'

export type Theme = 'dark' | 'light' | 'system'
export const TEXT_SIZES = [12, 14, 16, 18, 20, 22, 24] as const

export const useSettingsStore = defineStore('settings', () => {
  const auth = useAuthStore()
  const cached = load<Params | null>('params', null) ?? auth.user?.params ?? null
  const theme = ref<Theme>(cached?.theme ?? 'dark')
  const textSize = ref<number>(cached?.messageTextSize ?? 16)
  const saveError = ref<string | null>(null)
  let saves = 0

  function apply(): void {
    const dark =
      theme.value === 'dark' ||
      (theme.value === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches)
    document.documentElement.dataset.theme = dark ? 'dark' : 'light'
    document.documentElement.style.setProperty('--message-font-size', `${textSize.value}px`)
  }
  apply()
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', apply)
  watch([theme, textSize], () => {
    apply()
    save('params', { theme: theme.value, messageTextSize: textSize.value })
  })

  // The server's copy wins whenever the user record arrives (sign-in, socket ready).
  watch(
    () => auth.user?.params,
    (params) => {
      if (!params) return
      theme.value = params.theme
      textSize.value = params.messageTextSize
    },
    { immediate: true },
  )

  async function update(change: { theme?: Theme; messageTextSize?: number }): Promise<void> {
    if (change.theme) theme.value = change.theme
    if (change.messageTextSize) textSize.value = change.messageTextSize
    // Answers can arrive out of order: only the newest save may write the user back,
    // or an older answer would put the older theme or size back on screen.
    const mine = ++saves
    try {
      saveError.value = null
      const user = await api.updateMe({ params: change })
      if (mine === saves) auth.setUser(user)
    } catch (e) {
      if (mine === saves) saveError.value = e instanceof Error ? e.message : 'Could not save.'
    }
  }

  return { theme, textSize, saveError, update, apply }
})
