import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ConfirmDialog from '@/ui/ConfirmDialog.vue'
import { setToken } from '@/api/http'
import { useAuthStore } from '@/stores/auth'
import { useSettingsStore } from '@/stores/settings'
import { buttonNamed, fakeServer, meUser, testRouter } from '@/features/chats/testing'
import SettingsPanel from './SettingsPanel.vue'

let mounted: VueWrapper[] = []

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  const auth = useAuthStore()
  auth.token = 'token-1' // signed in, as far as the stores are concerned
  auth.setUser(meUser())
})
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

async function open(): Promise<{ panel: VueWrapper; router: ReturnType<typeof testRouter> }> {
  const router = testRouter()
  await router.push('/')
  const host = mount(ConfirmDialog, { attachTo: document.body })
  const panel = mount(SettingsPanel, { global: { plugins: [router] }, attachTo: document.body })
  mounted = [panel, host]
  await flushPromises()
  return { panel, router }
}

function labelled(text: string): HTMLInputElement {
  const label = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === text)
  const input = label?.htmlFor ? document.getElementById(label.htmlFor) : label?.querySelector('input')
  if (!(input instanceof HTMLInputElement)) throw new Error(`no control "${text}"`)
  return input
}

describe('SettingsPanel', () => {
  it('is the "Settings" region with a Back button that closes it', async () => {
    const { panel } = await open()
    const region = document.querySelector('section[aria-labelledby]')
    expect(document.getElementById(region?.getAttribute('aria-labelledby') ?? '')?.textContent).toBe('Settings')
    expect(region?.contains(document.activeElement)).toBe(true)
    buttonNamed('Back')?.click()
    expect(panel.emitted('close')).toHaveLength(1)
  })

  it('saves the display name and makes the answer the signed-in user', async () => {
    let sent: unknown = null
    fakeServer({
      'PATCH /api/users/me': (body) => {
        sent = body
        return { json: { ...meUser(), displayName: 'Amina K' } }
      },
    })
    await open()
    const name = labelled('Display name')
    name.value = 'Amina K'
    name.dispatchEvent(new Event('input'))
    await flushPromises()
    buttonNamed('Save display name')?.click()
    await flushPromises()
    expect(sent).toEqual({ displayName: 'Amina K' })
    expect(useAuthStore().user?.displayName).toBe('Amina K')
  })

  it('switches the theme from the "Theme" radio group', async () => {
    let sent: unknown = null
    fakeServer({
      'PATCH /api/users/me': (body) => {
        sent = body
        return { json: { ...meUser(), params: { theme: 'light', messageTextSize: 16 } } }
      },
    })
    await open()
    expect(document.querySelector('fieldset legend')?.textContent).toBe('Theme')
    const light = labelled('Light')
    light.checked = true
    light.dispatchEvent(new Event('change'))
    await flushPromises()
    expect(document.documentElement.dataset.theme).toBe('light')
    expect(sent).toEqual({ params: { theme: 'light' } })
  })

  it('shows the text size at once and saves it when the panel closes', async () => {
    const fetchMock = fakeServer({
      'PATCH /api/users/me': () => ({ json: { ...meUser(), params: { theme: 'dark', messageTextSize: 20 } } }),
    })
    const { panel } = await open()
    const size = labelled('Message text size')
    size.value = '20'
    size.dispatchEvent(new Event('input'))
    await flushPromises()
    expect(useSettingsStore().textSize).toBe(20)
    expect(document.documentElement.style.getPropertyValue('--message-font-size')).toBe('20px')
    panel.unmount()
    mounted = mounted.filter((w) => w !== panel)
    await flushPromises()
    const saves = fetchMock.mock.calls.filter(([, init]) => init?.method === 'PATCH')
    expect(saves).toHaveLength(1)
  })

  it('asks for notification permission and shows the answer', async () => {
    const FakeNotification = {
      permission: 'default' as NotificationPermission,
      requestPermission: vi.fn(() => Promise.resolve<NotificationPermission>('granted')),
    }
    vi.stubGlobal('Notification', FakeNotification)
    await open()
    buttonNamed('Enable desktop notifications')?.click()
    await flushPromises()
    expect(FakeNotification.requestPermission).toHaveBeenCalled()
    expect(document.body.textContent).toContain('On: messages arriving')
    expect(buttonNamed('Enable desktop notifications')).toBeUndefined()
  })

  it('logs out after confirmation, ending the session on the server, and goes to /login', async () => {
    const fetchMock = fakeServer({ 'POST /api/auth/logout': () => ({ status: 204 }) })
    const { panel, router } = await open()
    buttonNamed('Log out')?.click()
    await flushPromises()
    expect(document.body.textContent).toContain('Log out?')
    // The confirmation's button is the last "Log out" on the page.
    const buttons = [...document.querySelectorAll('button')].filter((b) => b.textContent.trim() === 'Log out')
    buttons[buttons.length - 1]?.click()
    await flushPromises()
    expect(fetchMock.mock.calls.some(([url, init]) => url === '/api/auth/logout' && init?.method === 'POST')).toBe(true)
    expect(useAuthStore().signedIn).toBe(false)
    expect(router.currentRoute.value.path).toBe('/login')
    expect(panel.emitted('close')).toHaveLength(1)
  })

  it('logs out of all devices through the server first', async () => {
    const fetchMock = fakeServer({
      'POST /api/auth/logout-all': () => ({ json: { access_token: 'token-2', token_type: 'bearer', user: meUser() } }),
      'POST /api/auth/logout': () => ({ status: 204 }),
    })
    setToken('token-1')
    const { router } = await open()
    buttonNamed('Log out of all devices')?.click()
    await flushPromises()
    buttonNamed('Log out everywhere')?.click()
    await flushPromises()
    // Every session ends, then the fresh one the server handed this device.
    const posts = fetchMock.mock.calls
      .filter(([, init]) => init?.method === 'POST')
      .map(([url, init]) => [url, (init?.headers as Record<string, string>).Authorization])
    expect(posts).toEqual([
      ['/api/auth/logout-all', 'Bearer token-1'],
      ['/api/auth/logout', 'Bearer token-2'],
    ])
    expect(useAuthStore().signedIn).toBe(false)
    expect(router.currentRoute.value.path).toBe('/login')
  })
})
