import { afterEach, describe, expect, it } from 'vitest'
import { defineComponent, h, nextTick, ref } from 'vue'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import Modal from './Modal.vue'

// A page with an opener button and a Modal shown while `open` is true, as dialogs are used.
const Page = defineComponent({
  setup() {
    const open = ref(false)
    const closes = ref(0)
    return () => h('div', [
      h('button', { id: 'opener', onClick: () => { open.value = true } }, 'Open'),
      open.value
        ? h(Modal, { title: 'Test dialog', onClose: () => { closes.value += 1; open.value = false } }, {
            default: () => [h('input', { id: 'name', 'aria-label': 'Name' }), h('button', { id: 'middle' }, 'Middle')],
            footer: () => h('button', { id: 'save' }, 'Save'),
          })
        : null,
    ])
  },
})

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

function byId(id: string): HTMLElement {
  const el = document.getElementById(id)
  if (!el) throw new Error(`#${id} is not on the page`)
  return el
}

function press(key: string, shiftKey = false): void {
  const target = document.activeElement ?? document.body
  target.dispatchEvent(new KeyboardEvent('keydown', { key, shiftKey, bubbles: true, cancelable: true }))
}

async function openPage(): Promise<VueWrapper> {
  wrapper = mount(Page, { attachTo: document.body })
  byId('opener').focus()
  await wrapper.get('#opener').trigger('click')
  await flushPromises()
  return wrapper
}

describe('Modal', () => {
  it('is a labelled modal dialog in <body> with a Close button', async () => {
    await openPage()
    const dialog = document.querySelector('[role="dialog"]')
    expect(dialog?.getAttribute('aria-modal')).toBe('true')
    const titleId = dialog?.getAttribute('aria-labelledby') ?? ''
    expect(document.getElementById(titleId)?.textContent).toBe('Test dialog')
    expect(dialog?.querySelector('button[aria-label="Close"]')).not.toBeNull()
  })

  it('focuses the first field of its body on open', async () => {
    await openPage()
    expect(document.activeElement).toBe(byId('name'))
  })

  it('emits close on Esc and gives focus back to the opener', async () => {
    await openPage()
    press('Escape')
    await nextTick()
    expect(document.querySelector('[role="dialog"]')).toBeNull()
    expect(document.activeElement).toBe(byId('opener'))
  })

  it('emits close from the Close button and from a backdrop click, not from a click inside', async () => {
    wrapper = mount(Modal, { props: { title: 'T' }, attachTo: document.body })
    await flushPromises()
    const backdrop = document.querySelector<HTMLElement>('.modal-backdrop')
    const panel = document.querySelector<HTMLElement>('[role="dialog"]')
    panel?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))
    panel?.dispatchEvent(new MouseEvent('click', { bubbles: true }))
    expect(wrapper.emitted('close')).toBeUndefined()
    backdrop?.dispatchEvent(new MouseEvent('mousedown', { bubbles: true }))
    backdrop?.dispatchEvent(new MouseEvent('click', { bubbles: true }))
    expect(wrapper.emitted('close')).toHaveLength(1)
    document.querySelector<HTMLElement>('button[aria-label="Close"]')?.click()
    expect(wrapper.emitted('close')).toHaveLength(2)
  })

  it('keeps Tab and Shift+Tab inside the dialog', async () => {
    await openPage()
    byId('save').focus()
    press('Tab')
    // Forward from the last control wraps to the first (the Close button in the header).
    const close = document.querySelector<HTMLElement>('button[aria-label="Close"]')
    expect(document.activeElement).toBe(close)
    press('Tab', true)
    expect(document.activeElement).toBe(byId('save'))
    // Focus lost to <body> (a click on plain text) is pulled back in.
    byId('save').blur()
    expect(document.activeElement).toBe(document.body)
    press('Tab')
    expect(document.activeElement).toBe(close)
  })

  it('focuses a given element when asked', async () => {
    wrapper = mount(Modal, {
      props: { title: 'T', initialFocus: '#second' },
      slots: { default: '<button id="first">1</button><button id="second">2</button>' },
      attachTo: document.body,
    })
    await flushPromises()
    expect(document.activeElement).toBe(byId('second'))
  })

  it('lets only the innermost of two open dialogs answer Esc', async () => {
    const outer = mount(Modal, { props: { title: 'Outer' }, attachTo: document.body })
    const inner = mount(Modal, { props: { title: 'Inner' }, attachTo: document.body })
    await flushPromises()
    press('Escape')
    expect(inner.emitted('close')).toHaveLength(1)
    expect(outer.emitted('close')).toBeUndefined()
    inner.unmount()
    press('Escape')
    expect(outer.emitted('close')).toHaveLength(1)
    outer.unmount()
  })
})
