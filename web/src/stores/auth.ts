// Who is signed in. The token lives in localStorage so a reload keeps the session; it
// is sent only in headers and in the socket's first frame.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import { api, setToken } from '@/api/http'
import type { UserMe } from '@/api/types'
import { clearAll, load, save } from '@/lib/storage'
import { wipeSecrets } from '@/features/secret'

export const useAuthStore = defineStore('auth', () => {
  const token = ref<string | null>(load<string | null>('token', null))
  const user = ref<UserMe | null>(load<UserMe | null>('user', null))
  setToken(token.value)

  const signedIn = computed(() => token.value !== null)

  function accept(accessToken: string, me: UserMe): void {
    token.value = accessToken
    user.value = me
    setToken(accessToken)
    save('token', accessToken)
    save('user', me)
  }

  async function login(username: string, password: string, code?: string): Promise<void> {
    const res = await api.login(username, password, code)
    accept(res.access_token, res.user)
  }

  async function register(username: string, password: string, displayName: string): Promise<void> {
    const res = await api.register(username, password, displayName || null)
    accept(res.access_token, res.user)
  }

  function setUser(me: UserMe): void {
    user.value = me
    save('user', me)
  }

  /** Forget the session on this device (and everything cached for it). */
  function logout(): void {
    token.value = null
    user.value = null
    setToken(null)
    clearAll()
    // The session's secret-chat keys and decrypted history go with it (docs/e2ee.md §7);
    // the database is deleted without loading the crypto code if it is not loaded.
    void wipeSecrets().catch((error: unknown) => { console.warn('secret chats: wipe failed', error) })
  }

  return { token, user, signedIn, login, register, setUser, logout }
})
