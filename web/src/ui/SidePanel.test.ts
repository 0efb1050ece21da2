import { afterEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { defineComponent, h, nextTick, ref } from 'vue'
import SidePanel from './SidePanel.vue'

let mounted: VueWrapper[] = []
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
})

// A host with an opener button, a text field outside the panel, and the panel itself.
function host(
  side: 'left' | 'right' = 'right',
  opener: HTMLElement | null = null,
): { wrapper: VueWrapper; open: ReturnType<typeof ref<boolean>> } {
  const open = ref(false)
  const Host = defineComponent({
    setup: () => () => [
      h('button', { id: 'opener', onClick: () => { open.value = true } }, 'Group info'),
      h('input', { id: 'outside' }),
      open.value
        ? h(SidePanel, { title: 'Group info', side, opener, onClose: () => { open.value = false } }, () => h('button', 'Inside'))
        : null,
    ],
  })
  const wrapper = mount(Host, { attachTo: document.body })
  mounted.push(wrapper)
  return { wrapper, open }
}

async function openFromButton(): Promise<void> {
  const opener = document.getElementById('opener') as HTMLButtonElement
  opener.focus()
  opener.click()
  await flushPromises()
}

const esc = (target: EventTarget = document.activeElement ?? document.body): void => {
  target.dispatchEvent(new KeyboardEvent('keydown', { key: 'Escape', bubbles: true, cancelable: true }))
}
const panel = (): HTMLElement | null => document.querySelector('aside')

describe('SidePanel', () => {
  it('is a landmark named by its title that takes focus, and gives it back on Esc', async () => {
    const { open } = host()
    await openFromButton()
    const aside = panel()
    expect(document.getElementById(aside?.getAttribute('aria-labelledby') ?? '')?.textContent).toBe('Group info')
    expect(aside?.getAttribute('role')).toBeNull() // <aside>: complementary, not a dialog
    expect(aside?.contains(document.activeElement)).toBe(true)
    esc()
    await nextTick()
    expect(open.value).toBe(false)
    await flushPromises()
    expect(document.activeElement?.id).toBe('opener')
  })

  it('closes with its Close button on the right and its Back button on the left', async () => {
    const right = host('right')
    await openFromButton()
    ;[...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'Close')?.click()
    expect(right.open.value).toBe(false)
    right.wrapper.unmount()
    mounted = []
    const left = host('left')
    await openFromButton()
    ;[...document.querySelectorAll('button')].find((b) => b.getAttribute('aria-label') === 'Back')?.click()
    expect(left.open.value).toBe(false)
  })

  it('leaves Esc to an open dialog and to a field being typed in elsewhere', async () => {
    const { open } = host()
    await openFromButton()
    const modal = document.createElement('div')
    modal.setAttribute('aria-modal', 'true')
    document.body.append(modal)
    esc()
    expect(open.value).toBe(true)
    modal.remove()
    const outside = document.getElementById('outside') as HTMLInputElement
    outside.focus()
    esc(outside)
    expect(open.value).toBe(true)
    esc(document.body)
    expect(open.value).toBe(false)
  })

  it('does not pull focus back when the user had moved on', async () => {
    const { open } = host()
    await openFromButton()
    const outside = document.getElementById('outside') as HTMLInputElement
    outside.focus()
    open.value = false
    await flushPromises()
    expect(document.activeElement).toBe(outside)
  })

  it('gives focus back to the opener it was given, which had lost focus before it mounted', async () => {
    const opener = document.createElement('button')
    document.body.append(opener)
    const { open } = host('left', opener)
    open.value = true
    await flushPromises()
    expect(panel()?.contains(document.activeElement)).toBe(true)
    open.value = false
    await flushPromises()
    expect(document.activeElement).toBe(opener)
  })
})
