import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h, shallowReactive } from 'vue'
import type { Message } from '@/api/types'
import { meUser } from '@/features/chats/testing'
import { useAuthStore } from '@/stores/auth'
import { useComposerStore } from '@/stores/composer'
import { useMessagesStore } from '@/stores/messages'
import Composer from '../Composer.vue'

const command = vi.hoisted(() => vi.fn<(type: string, data: unknown) => Promise<unknown>>())
vi.mock('@/realtime/sync', () => ({
  realtime: () => ({ state: 'ready', command }),
  // 48 hours, as the server's default edit window.
  config: { value: { editWindowSeconds: 172_800 } },
}))

const PickerStub = defineComponent({ setup: () => () => h('div') })
const ME = 1

function message(over: Partial<Message> = {}): Message {
  return {
    id: 41, chatId: 7, seq: 3, senderId: ME, type: 'text', content: 'helo world',
    replyTo: null, replyPreview: null, attachments: [], reactions: {}, readBy: [], clientId: null,
    meta: null, createdAt: new Date().toISOString(), editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null, ...over,
  }
}

let wrapper: VueWrapper | null = null
function mountComposer(): VueWrapper {
  wrapper = mount(Composer, { props: { chatId: 7 }, attachTo: document.body, global: { stubs: { EmojiPicker: PickerStub } } })
  return wrapper
}
const textarea = (w: VueWrapper): HTMLTextAreaElement => w.get('textarea').element

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser(ME))
  command.mockReset()
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

describe('Composer edit mode', () => {
  it('shows the message text in place of the draft, saves with Enter, then gives the draft back', async () => {
    const composer = useComposerStore()
    composer.setDraft(7, 'my draft')
    const w = mountComposer()
    composer.startEdit(7, message())
    await flushPromises()
    expect(textarea(w).value).toBe('helo world')
    expect(w.get('[data-testid="edit-bar"]').text()).toContain('Editing')
    expect(composer.draft(7)).toBe('my draft')

    command.mockResolvedValue(message({ content: 'hello world', editedAt: new Date().toISOString() }))
    await w.get('textarea').setValue('hello world')
    expect(composer.draft(7)).toBe('my draft')
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(command).toHaveBeenCalledWith('message:edit', { messageId: 41, content: 'hello world' })
    expect(composer.editing.has(7)).toBe(false)
    expect(textarea(w).value).toBe('my draft')
    expect(w.find('[data-testid="edit-bar"]').exists()).toBe(false)
  })

  it('cancels with Esc (nothing sent) and with the bar\'s ✕', async () => {
    const composer = useComposerStore()
    const w = mountComposer()
    composer.startEdit(7, message())
    await flushPromises()
    await w.get('textarea').trigger('keydown', { key: 'Escape' })
    await flushPromises()
    expect(composer.editing.has(7)).toBe(false)
    expect(textarea(w).value).toBe('')
    composer.startEdit(7, message())
    await flushPromises()
    await w.get('button[aria-label="Cancel editing"]').trigger('click')
    expect(composer.editing.has(7)).toBe(false)
    expect(command).not.toHaveBeenCalled()
  })

  it('edits the last own message on Arrow Up in an empty composer only', async () => {
    const t = useMessagesStore().timeline(7)
    t.messages = shallowReactive([message({ id: 40, content: 'older mine' }), message({ id: 41, content: 'newest mine' }), message({ id: 42, senderId: 2, content: 'theirs' })])
    t.ready = true
    const w = mountComposer()
    await w.get('textarea').setValue('typing')
    await w.get('textarea').trigger('keydown', { key: 'ArrowUp' })
    expect(useComposerStore().editing.has(7)).toBe(false)
    await w.get('textarea').setValue('')
    await w.get('textarea').trigger('keydown', { key: 'ArrowUp' })
    await flushPromises()
    expect(useComposerStore().editing.get(7)?.id).toBe(41)
    expect(textarea(w).value).toBe('newest mine')
  })

  it('shows the server\'s refusal and stays in edit mode', async () => {
    const composer = useComposerStore()
    const w = mountComposer()
    composer.startEdit(7, message())
    await flushPromises()
    command.mockRejectedValue(new Error('Messages can be edited for 48 hours after sending.'))
    await w.get('textarea').setValue('too late')
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(w.get('[role="alert"]').text()).toBe('Messages can be edited for 48 hours after sending.')
    expect(composer.editing.get(7)?.id).toBe(41)
    expect(textarea(w).value).toBe('too late')
  })
})
