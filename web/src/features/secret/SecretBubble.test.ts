import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount } from '@vue/test-utils'
import { testRouter } from '@/features/chats/testing'
import MessageBubble from '@/features/messages/MessageBubble.vue'
import { restoreSecretDeps } from './deps'
import { present } from './present'
import { useSecretStore } from './store'
import { plain, secretGroupOfTwo, secretMessage, type FakeEngine } from './testing'

const CIPHER = 'AAEAAkJ4c2VjcmV0Q2lwaGVydGV4dA=='
let engine: FakeEngine

function bubble(id: number) {
  return mount(MessageBubble, {
    props: { message: present(secretMessage(id, { content: CIPHER })), me: 1, group: true, showSender: true, lastInRun: true, delivery: null, highlighted: false },
    global: { plugins: [testRouter()] },
  })
}

beforeEach(() => {
  engine = secretGroupOfTwo()
})

afterEach(() => { restoreSecretDeps() })

describe('a secret chat’s bubble', () => {
  it('never holds the ciphertext: a placeholder, then the text', async () => {
    engine.results.set(CIPHER, plain({ v: 1, kind: 'text', text: 'see you at 5' }, 2))
    const release = engine.hold(1)
    useSecretStore().ingest([secretMessage(1, { content: CIPHER })])
    const waiting = bubble(1)
    expect(waiting.html()).not.toContain(CIPHER)
    expect(waiting.get('[data-testid="secret-status"]').text()).toBe('Decrypting…')
    release()
    await vi.waitFor(() => { expect(useSecretStore().entries.get(1)?.state).toBe('ok') })
    const shown = bubble(1)
    expect(shown.get('.content').text()).toBe('see you at 5')
    expect(shown.get('article').attributes('aria-label')).toContain('see you at 5')
    expect(shown.find('[data-testid="secret-status"]').exists()).toBe(false)
  })

  it('shows an altered message as an error, with no text', async () => {
    engine.results.set(CIPHER, { ok: false, reason: 'tampered' })
    useSecretStore().ingest([secretMessage(1, { content: CIPHER })])
    await vi.waitFor(() => { expect(useSecretStore().entries.get(1)?.state).toBe('error') })
    const w = bubble(1)
    expect(w.get('[role="alert"]').text()).toContain('altered')
    expect(w.find('.content').exists()).toBe(false)
    expect(w.html()).not.toContain(CIPHER)
  })
})
