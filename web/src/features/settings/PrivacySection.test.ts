import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useBlocksStore } from '@/stores/blocks'
import { buttonNamed, fakeServer, meUser, person } from '@/features/chats/testing'
import PrivacySection from './PrivacySection.vue'

let mounted: VueWrapper | null = null

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser())
})
afterEach(() => {
  mounted?.unmount()
  mounted = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

function open(): VueWrapper {
  const auth = useAuthStore()
  mounted = mount(PrivacySection, { props: { privacy: auth.user?.privacy ?? meUser().privacy }, attachTo: document.body })
  return mounted
}

function radio(group: string, label: string): HTMLInputElement {
  const fieldset = [...document.querySelectorAll('fieldset')].find((f) => f.querySelector('legend')?.textContent === group)
  const option = [...(fieldset?.querySelectorAll('label') ?? [])].find((l) => l.textContent.trim() === label)
  const input = option?.querySelector('input')
  if (!input) throw new Error(`no "${label}" in "${group}"`)
  return input
}

describe('PrivacySection', () => {
  it('shows the settings and saves a choice at once, as the signed-in user', async () => {
    let sent: unknown = null
    fakeServer({
      'PATCH /api/users/me/privacy': (body) => {
        sent = body
        return { json: { lastSeen: 'nobody', groupAdds: 'everybody' } }
      },
    })
    open()
    expect(radio('Who can see my last seen time', 'People I share a chat with').checked).toBe(true)
    expect(radio('Who can add me to groups', 'Everybody').checked).toBe(true)
    const nobody = radio('Who can see my last seen time', 'Nobody')
    nobody.checked = true
    nobody.dispatchEvent(new Event('change'))
    await flushPromises()
    expect(sent).toEqual({ lastSeen: 'nobody' })
    expect(useAuthStore().user?.privacy).toEqual({ lastSeen: 'nobody', groupAdds: 'everybody' })
  })

  it('says why a setting was not saved', async () => {
    fakeServer({
      'PATCH /api/users/me/privacy': () => ({ status: 422, json: { error: { code: 'invalid', message: 'Bad value.' } } }),
    })
    open()
    const nobody = radio('Who can add me to groups', 'Nobody')
    nobody.checked = true
    nobody.dispatchEvent(new Event('change'))
    await flushPromises()
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('Bad value.')
    expect(useAuthStore().user?.privacy.groupAdds).toBe('everybody')
  })

  it('lists the blocked people with Unblock', async () => {
    fakeServer({ 'DELETE /api/users/2/block': () => ({ status: 204 }) })
    useBlocksStore().list = [person(2, 'Bob')]
    open()
    await flushPromises()
    expect(document.body.textContent).toContain('Bob')
    buttonNamed('Unblock Bob')?.click()
    await flushPromises()
    expect(useBlocksStore().list).toEqual([])
    expect(document.body.textContent).toContain('You have not blocked anyone.')
  })
})
