import { mount, flushPromises, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { defineComponent, h } from 'vue'
import type { Message } from '@/api/types'
import { useComposerStore } from '@/stores/composer'
import { useOutboxStore } from '@/stores/outbox'
import { useUsersStore } from '@/stores/users'
import Composer from '../Composer.vue'

const command = vi.hoisted(() => vi.fn(() => Promise.resolve({})))
vi.mock('@/realtime/sync', () => ({ realtime: () => ({ state: 'ready', command }) }))

// The real recorder needs a microphone; this one records nothing and, like it, drops a touch
// lifted at once as a slip.
vi.mock('../voice/VoiceRecorder.vue', async () => {
  const { defineComponent: define, h: render, watch } = await import('vue')
  return {
    __esModule: true,
    default: define({
      props: { hold: Boolean, released: Boolean },
      emits: ['send', 'cancel', 'error'],
      setup(props, { emit }) {
        watch(() => props.released, (up) => { if (up && props.hold) emit('cancel') }, { immediate: true })
        return () => render('div', { role: 'group', class: props.hold ? 'hold' : 'click' })
      },
    }),
  }
})

// The real picker loads emoji-mart; here a stand-in that can emit a selection.
const PickerStub = defineComponent({ emits: ['select', 'close'], setup: () => () => h('div', { class: 'picker-stub' }) })

function message(over: Partial<Message> = {}): Message {
  return {
    id: 41, chatId: 7, seq: 3, senderId: 2, type: 'text', content: 'are you coming?\nsecond line',
    replyTo: null, replyPreview: null, attachments: [], reactions: {}, readBy: [], clientId: null,
    meta: null, createdAt: '2026-01-01T10:00:00Z', editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null, ...over,
  }
}

let wrapper: VueWrapper | null = null
function mountComposer(chatId = 7): VueWrapper {
  wrapper = mount(Composer, {
    props: { chatId },
    attachTo: document.body,
    global: { stubs: { EmojiPicker: PickerStub } },
  })
  return wrapper
}

const textarea = (w: VueWrapper): HTMLTextAreaElement => w.get('textarea').element
const sendButton = (w: VueWrapper): HTMLButtonElement => w.get<HTMLButtonElement>('button[aria-label="Send"]').element

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  command.mockClear()
})

afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  vi.useRealTimers()
})

describe('Composer', () => {
  it('has the accessible names of its controls', () => {
    const w = mountComposer()
    expect(w.get('label').text()).toBe('Message')
    expect(w.get('label').attributes('for')).toBe(textarea(w).id)
    for (const name of ['Record a voice message', 'Attach file', 'Emoji']) expect(w.find(`button[aria-label="${name}"]`).exists()).toBe(true)
  })

  it('sends on Enter with the blank lines around trimmed, then clears and keeps focus', async () => {
    const w = mountComposer()
    await w.get('textarea').setValue('\n  \nhello\n\nworld  \n\n')
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    const [item] = useOutboxStore().items
    expect(item).toMatchObject({ chatId: 7, content: 'hello\n\nworld', replyTo: null, attachments: [] })
    expect(item?.clientId).toMatch(/^[0-9a-f-]{36}$/)
    expect(textarea(w).value).toBe('')
    expect(document.activeElement).toBe(textarea(w))
  })

  it('inserts a newline on Shift+Enter and does not send during an IME composition', async () => {
    const w = mountComposer()
    await w.get('textarea').setValue('你好')
    await w.get('textarea').trigger('keydown', { key: 'Enter', shiftKey: true })
    await w.get('textarea').trigger('keydown', { key: 'Enter', isComposing: true })
    expect(useOutboxStore().items).toHaveLength(0)
  })

  it('offers the microphone instead of Send while there is nothing to send', async () => {
    const w = mountComposer()
    const mic = 'button[aria-label="Record a voice message"]'
    expect(w.find(mic).exists()).toBe(true)
    expect(w.find('button[aria-label="Send"]').exists()).toBe(false)
    await w.get('textarea').setValue('  \n ')
    expect(w.find(mic).exists()).toBe(true)
    await w.get('textarea').setValue('hi')
    expect(w.find(mic).exists()).toBe(false)
    expect(sendButton(w).disabled).toBe(false)
  })

  it('drops a quick tap on the microphone as a slip, without the click after it starting a recording', async () => {
    const w = mountComposer()
    const mic = w.get('button[aria-label="Record a voice message"]')
    mic.element.dispatchEvent(new PointerEvent('pointerdown', { pointerType: 'touch', bubbles: true, cancelable: true }))
    await flushPromises()
    expect(w.find('[role="group"].hold').exists()).toBe(true)
    window.dispatchEvent(new PointerEvent('pointerup', { pointerType: 'touch' }))
    await flushPromises()
    expect(w.find('[role="group"]').exists()).toBe(false)
    await w.get('button[aria-label="Record a voice message"]').trigger('click')
    await flushPromises()
    expect(w.find('[role="group"]').exists()).toBe(false)
    // A click of its own (mouse or keyboard) still records.
    await w.get('button[aria-label="Record a voice message"]').trigger('click')
    await flushPromises()
    expect(w.find('[role="group"].click').exists()).toBe(true)
  })

  it('refuses a message over 4096 characters with a message, and counts down near the limit', async () => {
    const w = mountComposer()
    await w.get('textarea').setValue('a'.repeat(4000))
    expect(w.get('.counter').text()).toBe('96')
    await w.get('textarea').setValue('a'.repeat(4100))
    expect(w.get('[role="alert"]').text()).toContain('4 characters too long')
    await w.get('form').trigger('submit')
    expect(useOutboxStore().items).toHaveLength(0)
  })

  it('shows the reply, sends it with the message, and Esc cancels it', async () => {
    useUsersStore().upsert({ id: 2, username: 'ann', displayName: 'Ann', avatarUrl: null, lastSeen: null, status: 'online', deactivated: false })
    const composer = useComposerStore()
    composer.setReply(7, message())
    const w = mountComposer()
    expect(w.text()).toContain('Ann')
    expect(w.text()).toContain('are you coming?')
    expect(w.text()).not.toContain('second line')
    await w.get('textarea').trigger('keydown', { key: 'Escape' })
    expect(composer.replyTo.has(7)).toBe(false)

    composer.setReply(7, message())
    await w.vm.$nextTick()
    await w.get('textarea').setValue('yes')
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    expect(useOutboxStore().items[0]?.replyTo).toBe(41)
    expect(composer.replyTo.has(7)).toBe(false)
  })

  it('cancels the reply with its button', async () => {
    useComposerStore().setReply(7, message())
    const w = mountComposer()
    await w.get('button[aria-label="Cancel reply"]').trigger('click')
    expect(useComposerStore().replyTo.has(7)).toBe(false)
  })

  it('keeps a draft per chat, saved 300 ms after typing, and restores it', async () => {
    vi.useFakeTimers()
    const w = mountComposer(7)
    await w.get('textarea').setValue('half a thought')
    expect(localStorage.getItem('shomik.drafts')).toBeNull()
    vi.advanceTimersByTime(300)
    expect(JSON.parse(localStorage.getItem('shomik.drafts') ?? '{}')).toEqual({ 7: 'half a thought' })
    w.unmount()
    wrapper = null

    setActivePinia(createPinia()) // as after a reload
    const again = mountComposer(7)
    expect(textarea(again).value).toBe('half a thought')
    await again.get('textarea').setValue('')
    vi.advanceTimersByTime(300)
    expect(localStorage.getItem('shomik.drafts')).toBeNull()
  })

  it('inserts the picked emoji at the caret and puts the caret after it', async () => {
    const w = mountComposer()
    await w.get('textarea').setValue('hello world')
    textarea(w).setSelectionRange(5, 5)
    await w.get('button[aria-label="Emoji"]').trigger('click')
    w.getComponent(PickerStub).vm.$emit('select', '😀')
    await w.vm.$nextTick()
    await w.vm.$nextTick()
    expect(textarea(w).value).toBe('hello😀 world')
    expect(textarea(w).selectionStart).toBe(7)
  })

  it('sends typing:start once for a burst and typing:stop when the message goes', async () => {
    vi.useFakeTimers()
    const w = mountComposer()
    for (const value of ['h', 'he', 'hel', 'hell', 'hello']) {
      await w.get('textarea').setValue(value)
      vi.advanceTimersByTime(50)
    }
    vi.advanceTimersByTime(300)
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    await flushPromises()
    expect(command.mock.calls).toEqual([['typing:start', { chatId: 7 }], ['typing:stop', { chatId: 7 }]])
  })
})

describe('Composer in a secret chat', () => {
  it('keeps the text in memory only: the outbox item and the drafts never hold it', async () => {
    vi.useFakeTimers()
    const { group, person } = await import('@/features/chats/testing')
    const { useChatsStore } = await import('@/stores/chats')
    const { useSecretStore } = await import('@/features/secret/store')
    useChatsStore().upsert(group([[person(1, 'Amina'), 'owner'], [person(2, 'Bob'), 'member']], { id: 9, type: 'private', secret: true }))
    const w = mountComposer(9)
    await w.get('textarea').setValue('meet at noon')
    vi.advanceTimersByTime(300)
    await w.get('textarea').trigger('keydown', { key: 'Enter' })
    const [item] = useOutboxStore().items
    expect(item).toMatchObject({ chatId: 9, content: '', replyTo: null })
    expect(useSecretStore().written.get(item?.clientId ?? '')).toEqual({ v: 1, kind: 'text', text: 'meet at noon' })
    vi.advanceTimersByTime(300)
    expect(JSON.stringify(localStorage)).not.toContain('meet at noon')
  })
})
