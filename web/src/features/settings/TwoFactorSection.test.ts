import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { buttonNamed, fakeServer, meUser } from '@/features/chats/testing'
import TwoFactorSection from './TwoFactorSection.vue'

const CODES = ['aaaaa-bbbbb', 'ccccc-ddddd']
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
  vi.restoreAllMocks()
})

async function open(): Promise<void> {
  mounted = mount(TwoFactorSection, { attachTo: document.body })
  await flushPromises()
}

async function fill(label: string, value: string): Promise<void> {
  const target = [...document.querySelectorAll('label')].find((l) => l.textContent.trim() === label)
  const input = document.getElementById(target?.htmlFor ?? '')
  if (!(input instanceof HTMLInputElement)) throw new Error(`no field "${label}"`)
  input.value = value
  input.dispatchEvent(new Event('input'))
  await flushPromises()
}

async function click(name: string): Promise<void> {
  const button = buttonNamed(name)
  if (!button) throw new Error(`no button "${name}"`)
  button.click()
  await flushPromises()
}

describe('TwoFactorSection', () => {
  it('turns on: password, then the QR code and key, then a code; shows the recovery codes once', async () => {
    const sent: unknown[] = []
    fakeServer({
      'POST /api/users/me/2fa/setup': (body) => {
        sent.push(body)
        return { json: { secret: 'JBSWY3DPEHPK3PXP', otpauthUri: 'otpauth://totp/Shomik:amina?secret=JBSWY3DPEHPK3PXP&issuer=Shomik' } }
      },
      'POST /api/users/me/2fa/enable': (body) => {
        sent.push(body)
        return { json: { recoveryCodes: CODES } }
      },
    })
    await open()
    await click('Turn on')
    await fill('Password', 'my passphrase')
    await click('Continue')
    // The QR code comes once the qrcode library has loaded.
    const qr = await vi.waitFor(() => document.querySelector('svg[role="img"]') ?? Promise.reject(new Error('no QR')))
    expect(qr.getAttribute('aria-label')).toBe('QR code for your authenticator app')
    expect(qr.querySelector('path')?.getAttribute('d')).toMatch(/^M4 4h7v1h-7z/)
    expect(document.body.textContent).toContain('JBSWY3DPEHPK3PXP')
    const code = document.querySelector<HTMLInputElement>('input[autocomplete="one-time-code"]')
    expect(document.activeElement).toBe(code)
    await fill('Code from the app', ' 123456 ')
    await click('Turn on')
    expect(sent).toEqual([{ password: 'my passphrase' }, { code: '123456' }])
    expect(useAuthStore().user?.twoFactor).toBe(true)
    expect([...document.querySelectorAll('ol li')].map((li) => li.textContent)).toEqual(CODES)

    await click('I have saved them')
    expect(document.body.textContent).not.toContain(CODES[0])
    expect(buttonNamed('Turn off')).toBeDefined()
    expect(buttonNamed('New recovery codes')).toBeDefined()
  })

  it('keeps it on and says why when turning off is refused, then turns off', async () => {
    useAuthStore().setUser({ ...meUser(), twoFactor: true })
    let refuse = true
    fakeServer({
      'POST /api/users/me/2fa/disable': () => refuse
        ? { status: 403, json: { error: { code: 'bad_totp', message: 'The code is wrong or has expired.' } } }
        : { status: 204 },
    })
    await open()
    await click('Turn off')
    await fill('Password', 'my passphrase')
    await fill('Code from the app, or a recovery code', '000000')
    await click('Turn off')
    expect(document.querySelector('[role="alert"]')?.textContent).toBe('The code is wrong or has expired.')
    expect(useAuthStore().user?.twoFactor).toBe(true)

    refuse = false
    await click('Turn off')
    expect(useAuthStore().user?.twoFactor).toBe(false)
    expect(document.querySelector('[role="status"]')?.textContent).toBe('Two-step verification is off.')
    expect(buttonNamed('Turn on')).toBeDefined()
  })

  it('shows new recovery codes with a copy button', async () => {
    useAuthStore().setUser({ ...meUser(), twoFactor: true })
    const writeText = vi.spyOn(navigator.clipboard, 'writeText').mockResolvedValue()
    fakeServer({ 'POST /api/users/me/2fa/recovery-codes': () => ({ json: { recoveryCodes: CODES } }) })
    await open()
    await click('New recovery codes')
    await fill('Password', 'my passphrase')
    await fill('Code from the app, or a recovery code', 'zzzzz-yyyyy')
    await click('New recovery codes')
    await click('Copy codes')
    expect(writeText).toHaveBeenCalledWith(CODES.join('\n'))
    expect(document.body.textContent).toContain('Copied.')
  })
})
