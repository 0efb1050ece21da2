// The composer store's drafts: debounced, merged with what other tabs saved, gone at sign-out.
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { nextTick } from 'vue'
import { useAuthStore } from '@/stores/auth'
import { useComposerStore } from '@/stores/composer'

const stored = (): unknown => JSON.parse(localStorage.getItem('shomik.drafts') ?? 'null')

beforeEach(() => {
  localStorage.clear()
  vi.useFakeTimers()
  setActivePinia(createPinia())
})

afterEach(() => { vi.useRealTimers() })

describe('drafts', () => {
  it('writes once per burst, 300 ms after the last change', () => {
    const composer = useComposerStore()
    const setItem = vi.spyOn(Storage.prototype, 'setItem')
    for (const text of ['h', 'he', 'hel']) {
      composer.setDraft(1, text)
      vi.advanceTimersByTime(100)
    }
    expect(setItem).not.toHaveBeenCalled()
    vi.advanceTimersByTime(200)
    expect(setItem).toHaveBeenCalledTimes(1)
    expect(stored()).toEqual({ 1: 'hel' })
    setItem.mockRestore()
  })

  it('keeps drafts another tab saved for other chats', () => {
    const composer = useComposerStore()
    localStorage.setItem('shomik.drafts', JSON.stringify({ 2: 'from the other tab' }))
    composer.setDraft(1, 'mine')
    composer.flushDrafts()
    expect(stored()).toEqual({ 1: 'mine', 2: 'from the other tab' })
  })

  it('removes the entry when the draft is emptied', () => {
    localStorage.setItem('shomik.drafts', JSON.stringify({ 1: 'old', 2: 'other' }))
    const composer = useComposerStore()
    expect(composer.draft(1)).toBe('old')
    composer.setDraft(1, ' \n ')
    composer.flushDrafts()
    expect(stored()).toEqual({ 2: 'other' })
  })

  it('ignores a malformed stored value', () => {
    localStorage.setItem('shomik.drafts', JSON.stringify({ x: 'no id', 3: 42, 4: 'ok' }))
    expect([...useComposerStore().drafts]).toEqual([[4, 'ok']])
  })

  it('forgets drafts and reply targets at sign-out, and does not write them back on pagehide', async () => {
    localStorage.setItem('shomik.token', JSON.stringify('t'))
    setActivePinia(createPinia())
    const composer = useComposerStore()
    composer.setDraft(1, 'secret')
    composer.flushDrafts()
    useAuthStore().logout()
    await nextTick()
    expect(composer.draft(1)).toBe('')
    window.dispatchEvent(new Event('pagehide'))
    expect(localStorage.getItem('shomik.drafts')).toBeNull()
  })
})
