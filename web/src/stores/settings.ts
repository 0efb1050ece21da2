// Theme, text size and language: applied at once, saved to the user's `params` on the server so
// they follow the user to every device, and cached locally so a reload does not flash.
import { defineStore } from 'pinia'
import { ref, watch } from 'vue'
import { api } from '@/api/http'
import type { Params } from '@/api/types'
import { load, save } from '@/lib/storage'
import { browserLanguage, setLanguage, t, type Language } from '@/i18n'
import { useAuthStore } from './auth'

export type Theme = 'dark' | 'light' | 'system'
export const TEXT_SIZES = [12, 14, 16, 18, 20, 22, 24] as const

export const useSettingsStore = defineStore('settings', () => {
  const auth = useAuthStore()
  const cached = load<Params | null>('params', null) ?? auth.user?.params ?? null
  const theme = ref<Theme>(cached?.theme ?? 'dark')
  const textSize = ref<number>(cached?.messageTextSize ?? 16)
  // null: follow the browser's languages (navigator.languages), read again at each start.
  const language = ref<Language | null>(cached?.language ?? null)
  const saveError = ref<string | null>(null)
  let saves = 0

  function apply(): void {
    const dark =
      theme.value === 'dark' ||
      (theme.value === 'system' && window.matchMedia('(prefers-color-scheme: dark)').matches)
    document.documentElement.dataset.theme = dark ? 'dark' : 'light'
    document.documentElement.style.setProperty('--message-font-size', `${textSize.value}px`)
    setLanguage(language.value ?? browserLanguage())
  }
  apply()
  window.matchMedia('(prefers-color-scheme: dark)').addEventListener('change', apply)
  watch([theme, textSize, language], () => {
    apply()
    save('params', { theme: theme.value, messageTextSize: textSize.value, language: language.value })
  })

  // The server's copy wins whenever the user record arrives (sign-in, socket ready).
  watch(
    () => auth.user?.params,
    (params) => {
      if (!params) return
      theme.value = params.theme
      textSize.value = params.messageTextSize
      language.value = params.language ?? null
    },
    { immediate: true },
  )

  async function update(change: { theme?: Theme; messageTextSize?: number; language?: Language | null }): Promise<void> {
    if (change.theme) theme.value = change.theme
    if (change.messageTextSize) textSize.value = change.messageTextSize
    if (change.language !== undefined) language.value = change.language
    // Answers can arrive out of order: only the newest save may write the user back,
    // or an older answer would put the older theme or size back on screen.
    const mine = ++saves
    try {
      saveError.value = null
      const user = await api.updateMe({ params: change })
      if (mine === saves) auth.setUser(user)
    } catch (e) {
      if (mine === saves) saveError.value = e instanceof Error ? e.message : t('common.couldNotSave')
    }
  }

  return { theme, textSize, language, saveError, update, apply }
})
