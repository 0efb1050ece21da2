import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { defineComponent, h } from 'vue'
import { RouterView } from 'vue-router'
import { buttonNamed, fakeServer, meUser, testRouter } from '@/features/chats/testing'
import AuthView from './AuthView.vue'

let mounted: VueWrapper | null = null

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
})
afterEach(() => {
  mounted?.unmount()
  mounted = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

async function fill(id: string, value: string): Promise<void> {
  const input = document.getElementById(id)
  if (!(input instanceof HTMLInputElement)) throw new Error(`no #${id}`)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function logIn(): Promise<void> {
  buttonNamed('Log in')?.closest('form')?.dispatchEvent(new Event('submit'))
  await flushPromises()
}

describe('AuthView with two-step verification', () => {
  it('asks for the code when the server says so, then signs in with it', async () => {
    const sent: unknown[] = []
    fakeServer({
      'POST /api/auth/login': (body) => {
        sent.push(body)
        const code = (body as { code?: string }).code
        if (code === undefined) {
          return { status: 401, json: { error: { code: 'totp_required', message: 'Enter the code from your authenticator app.' } } }
        }
        if (code !== '123456') {
          return { status: 401, json: { error: { code: 'bad_totp', message: 'The code is wrong or has expired.' } } }
        }
        return { json: { access_token: 'token-2', token_type: 'bearer', user: { ...meUser(), twoFactor: true } } }
      },
    })
    const router = testRouter()
    router.addRoute({ path: '/login-view', name: 'login-view', component: AuthView })
    router.addRoute({ path: '/register', name: 'register', component: AuthView })
    await router.push('/login-view')
    const App = defineComponent({ render: () => h(RouterView) })
    mounted = mount(App, { global: { plugins: [router] }, attachTo: document.body })
    await flushPromises()
    expect(document.getElementById('auth-code')).toBeNull()

    await fill('auth-username', 'amina')
    await fill('auth-password', 'my passphrase')
    await logIn()
    const code = document.getElementById('auth-code')
    expect(code?.getAttribute('autocomplete')).toBe('one-time-code')
    expect(document.querySelector('label[for="auth-code"]')?.textContent).toBe('Code from your authenticator app')
    expect(document.activeElement).toBe(code)
    expect(router.currentRoute.value.name).toBe('login-view')

    await fill('auth-code', '654321')
    await logIn()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('The code is wrong or has expired.')

    buttonNamed('Use a recovery code instead')?.click()
    await flushPromises()
    expect(document.querySelector('label[for="auth-code"]')?.textContent).toBe('Recovery code')
    await fill('auth-code', ' 123456 ')
    await logIn()
    expect(sent).toEqual([
      { username: 'amina', password: 'my passphrase' },
      { username: 'amina', password: 'my passphrase', code: '654321' },
      { username: 'amina', password: 'my passphrase', code: '123456' },
    ])
    expect(router.currentRoute.value.name).toBe('home')
  })
})
