import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import type { PushState } from './push'
import PushPrompt from './PushPrompt.vue'

const push = vi.hoisted(() => ({
  state: 'off',
  pushState: vi.fn(() => Promise.resolve(push.state)),
  enablePush: vi.fn(() => Promise.resolve<PushState>('on')),
  resyncPush: vi.fn(() => Promise.resolve()),
}))
vi.mock('./push', () => push)

async function shown(): Promise<ReturnType<typeof mount>> {
  const wrapper = mount(PushPrompt, { attachTo: document.body })
  expect(wrapper.find('section').exists()).toBe(false) // not on the first paint
  await vi.advanceTimersByTimeAsync(1500)
  await flushPromises()
  return wrapper
}

beforeEach(() => {
  localStorage.clear()
  vi.useFakeTimers()
  push.state = 'off'
  vi.clearAllMocks()
})
afterEach(() => {
  vi.useRealTimers()
  document.body.innerHTML = ''
})

describe('the Enable notifications banner', () => {
  it('comes after a moment, and enabling hides it', async () => {
    const wrapper = await shown()
    expect(wrapper.text()).toContain('Get notified when Shomik is closed')
    await wrapper.get('button.primary-button').trigger('click')
    await flushPromises()
    expect(push.enablePush).toHaveBeenCalled()
    expect(wrapper.find('section').exists()).toBe(false)
  })

  it('"Not now" is remembered', async () => {
    const first = await shown()
    await first.get('button[aria-label="Not now"]').trigger('click')
    expect(first.find('section').exists()).toBe(false)
    first.unmount()
    const again = await shown()
    expect(again.find('section').exists()).toBe(false)
  })

  it('is not shown when subscribed (the subscription is sent again) or blocked', async () => {
    push.state = 'on'
    const on = await shown()
    expect(on.find('section').exists()).toBe(false)
    expect(push.resyncPush).toHaveBeenCalled()
    push.state = 'denied'
    const denied = await shown()
    expect(denied.find('section').exists()).toBe(false)
  })

  it('says why enabling failed', async () => {
    push.enablePush.mockRejectedValueOnce(new Error('push service unreachable'))
    const wrapper = await shown()
    await wrapper.get('button.primary-button').trigger('click')
    await flushPromises()
    expect(wrapper.get('[role="alert"]').text()).toContain('push service unreachable')
  })
})
