import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { createPinia, setActivePinia } from 'pinia'
import type { Params, UserMe } from '@/api/types'
import { useAuthStore } from './auth'
import { useSettingsStore } from './settings'
import { i18n, setLanguage } from '@/i18n'

function me(params: Params): UserMe {
  return {
    id: 7, username: 'amina', displayName: 'Amina', avatarUrl: null, status: 'online', lastSeen: null, deactivated: false, params, twoFactor: false, privacy: { lastSeen: 'chats', groupAdds: 'everybody' },
  }
}

// The network, not the api module: what the store sends is checked as it leaves.
const fetchMock = vi.fn<typeof fetch>()

beforeEach(() => {
  localStorage.clear()
  delete document.documentElement.dataset.theme
  document.documentElement.style.removeProperty('--message-font-size')
  fetchMock.mockReset()
  vi.stubGlobal('fetch', fetchMock)
  setActivePinia(createPinia())
})
afterEach(() => {
  vi.unstubAllGlobals()
  setLanguage('en')
})

function answer(user: UserMe, status = 200): Response {
  return new Response(JSON.stringify(user), { status, headers: { 'Content-Type': 'application/json' } })
}

describe('settings store', () => {
  it('applies the theme and the text size to the document at once', async () => {
    const settings = useSettingsStore()
    expect(document.documentElement.dataset.theme).toBe('dark')
    expect(document.documentElement.style.getPropertyValue('--message-font-size')).toBe('16px')

    fetchMock.mockResolvedValue(answer(me({ theme: 'light', messageTextSize: 20, language: null, pushPreview: true })))
    const saving = settings.update({ theme: 'light', messageTextSize: 20 })
    // Before the server has answered: the change is on screen already.
    await nextTick()
    expect(document.documentElement.dataset.theme).toBe('light')
    expect(document.documentElement.style.getPropertyValue('--message-font-size')).toBe('20px')
    await saving
  })

  it('saves the change to the server through PATCH /api/users/me', async () => {
    const auth = useAuthStore()
    const settings = useSettingsStore()
    const saved = me({ theme: 'light', messageTextSize: 16, language: null, pushPreview: true })
    fetchMock.mockResolvedValue(answer(saved))

    await settings.update({ theme: 'light' })

    expect(fetchMock).toHaveBeenCalledTimes(1)
    const [url, init] = fetchMock.mock.calls[0] ?? []
    expect(url).toBe('/api/users/me')
    expect(init?.method).toBe('PATCH')
    const body = init?.body
    expect(typeof body).toBe('string')
    expect(JSON.parse(typeof body === 'string' ? body : '')).toEqual({ params: { theme: 'light' } })
    expect(auth.user).toEqual(saved)
    expect(settings.saveError).toBeNull()
  })

  it('keeps the change on screen and reports a failed save', async () => {
    const settings = useSettingsStore()
    fetchMock.mockResolvedValue(
      new Response(JSON.stringify({ error: { code: 'invalid', message: 'Bad size.' } }), { status: 422 }),
    )
    await settings.update({ messageTextSize: 24 })
    expect(settings.textSize).toBe(24)
    expect(settings.saveError).toBe('Bad size.')
  })

  it("takes the server's params when the signed-in user changes", async () => {
    const auth = useAuthStore()
    const settings = useSettingsStore()
    auth.setUser(me({ theme: 'light', messageTextSize: 22, language: null, pushPreview: true }))
    await nextTick()
    expect(settings.theme).toBe('light')
    expect(settings.textSize).toBe(22)
    expect(document.documentElement.dataset.theme).toBe('light')
    expect(document.documentElement.style.getPropertyValue('--message-font-size')).toBe('22px')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('follows the system colour scheme for the "system" theme', async () => {
    const settings = useSettingsStore()
    vi.stubGlobal('matchMedia', (query: string) => ({
      matches: query !== '(prefers-color-scheme: dark)',
      addEventListener: () => undefined,
      removeEventListener: () => undefined,
    }))
    fetchMock.mockResolvedValue(answer(me({ theme: 'system', messageTextSize: 16, language: null, pushPreview: true })))
    await settings.update({ theme: 'system' })
    expect(document.documentElement.dataset.theme).toBe('light')
  })

  it('switches the language at once, saves it, and null follows the browser again', async () => {
    const settings = useSettingsStore()
    fetchMock.mockResolvedValue(answer(me({ theme: 'dark', messageTextSize: 16, language: 'ru', pushPreview: true })))
    const saving = settings.update({ language: 'ru' })
    await nextTick()
    expect(i18n.global.locale.value).toBe('ru')
    expect(document.documentElement.lang).toBe('ru')
    await saving
    const [, init] = fetchMock.mock.calls[0] ?? []
    expect(JSON.parse(typeof init?.body === 'string' ? init.body : '')).toEqual({ params: { language: 'ru' } })

    vi.stubGlobal('navigator', { languages: ['en-GB', 'en'] })
    fetchMock.mockResolvedValue(answer(me({ theme: 'dark', messageTextSize: 16, language: null, pushPreview: true })))
    await settings.update({ language: null })
    const second = fetchMock.mock.calls[1]?.[1]?.body
    expect(JSON.parse(typeof second === 'string' ? second : '')).toEqual({ params: { language: null } })
    expect(i18n.global.locale.value).toBe('en')
  })

  it("takes the language from the user's params on another device", async () => {
    const auth = useAuthStore()
    useSettingsStore()
    auth.setUser(me({ theme: 'dark', messageTextSize: 16, language: 'ru', pushPreview: true }))
    await nextTick()
    expect(i18n.global.locale.value).toBe('ru')
  })
})
