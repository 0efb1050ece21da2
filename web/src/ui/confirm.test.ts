import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import ConfirmDialog from './ConfirmDialog.vue'
import { confirm } from './confirm'

let host: VueWrapper | null = null
afterEach(() => {
  host?.unmount()
  host = null
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

function button(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === name)
  if (!found) throw new Error(`no "${name}" button`)
  return found
}

// Wrapped: an async function returning the bare promise would await the answer itself.
async function ask(danger = false): Promise<{ answer: Promise<boolean> }> {
  host = mount(ConfirmDialog, { attachTo: document.body })
  const answer = confirm({ title: 'Leave Team?', message: 'You can be added back.', confirmLabel: 'Leave', danger })
  await flushPromises()
  return { answer }
}

describe('confirm()', () => {
  it('shows the question and resolves true on the confirm button', async () => {
    const { answer } = await ask()
    const dialog = document.querySelector('[role="dialog"]')
    expect(dialog?.textContent).toContain('Leave Team?')
    expect(dialog?.textContent).toContain('You can be added back.')
    button('Leave').click()
    await expect(answer).resolves.toBe(true)
    await flushPromises()
    expect(document.querySelector('[role="dialog"]')).toBeNull()
  })

  it('resolves false on Cancel, on Esc and on Close', async () => {
    let { answer } = await ask()
    button('Cancel').click()
    await expect(answer).resolves.toBe(false)
    host?.unmount()

    ;({ answer } = await ask())
    document.activeElement?.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true }))
    await expect(answer).resolves.toBe(false)
    host?.unmount()

    ;({ answer } = await ask())
    document.querySelector<HTMLElement>('button[aria-label="Close"]')?.click()
    await expect(answer).resolves.toBe(false)
  })

  it('puts the focus on Cancel for a dangerous action, on the action otherwise', async () => {
    await ask(true)
    expect(document.activeElement).toBe(button('Cancel'))
    host?.unmount()
    await ask(false)
    expect(document.activeElement).toBe(button('Leave'))
  })

  it('declines an unanswered question when a new one is asked', async () => {
    const { answer: first } = await ask()
    const second = confirm({ title: 'Log out?', confirmLabel: 'Log out' })
    await expect(first).resolves.toBe(false)
    await flushPromises()
    button('Log out').click()
    await expect(second).resolves.toBe(true)
  })

  it('falls back to window.confirm when no host is mounted', async () => {
    const native = vi.fn(() => true)
    vi.stubGlobal('confirm', native)
    await expect(confirm({ title: 'Sure?' })).resolves.toBe(true)
    expect(native).toHaveBeenCalledWith('Sure?')
  })
})
