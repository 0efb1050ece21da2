import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useJumpStore } from '@/features/messages/jump'
import { buttonNamed, fakeServer, group, meUser, person, testRouter } from '@/features/chats/testing'
import SearchResults from './SearchResults.vue'
import { DEBOUNCE_MS } from './useSearch'

const bob = person(2, 'Bob')
const team = group([[person(1, 'Amina'), 'owner'], [bob, 'member']])
let wrapper: VueWrapper | null = null

function message(id: number, seq: number, content: string): Message {
  return {
    id, chatId: team.id, seq, senderId: 2, type: 'text', content, createdAt: '2026-01-01T10:00:00Z',
    attachments: [], reactions: {}, readBy: [], replyTo: null, replyPreview: null, clientId: null,
    meta: null, editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
  }
}

beforeEach(() => {
  localStorage.clear()
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser())
  useChatsStore().upsert(team)
  vi.useFakeTimers({ shouldAdvanceTime: true })
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

async function searchFor(query: string) {
  const router = testRouter()
  await router.push('/')
  // Mounted with the query typed so far, as the chat list does on the first characters.
  wrapper = mount(SearchResults, { props: { query }, global: { plugins: [router] }, attachTo: document.body })
  vi.advanceTimersByTime(DEBOUNCE_MS + 10)
  await flushPromises()
  return router
}

describe('SearchResults', () => {
  it('shows people, chats and messages, the matched words marked as text, never as HTML', async () => {
    fakeServer({
      'GET /api/search?q=team&limit=20': () => ({
        json: {
          results: [{ chatId: team.id, message: message(70, 7, '<b>team</b> meeting'), snippet: [{ text: '<b>', match: false }, { text: 'team', match: true }, { text: '</b> meeting', match: false }] }],
          hasMore: true, chats: [team], users: [bob],
        },
      }),
      'GET /api/search?q=team&limit=20&before=70': () => ({
        json: { results: [{ chatId: team.id, message: message(30, 3, 'old team'), snippet: [{ text: 'old ', match: false }, { text: 'team', match: true }] }], hasMore: false, chats: [], users: [] },
      }),
    })
    await searchFor('team')
    expect(buttonNamed('Message Bob')).toBeDefined()
    expect(buttonNamed('Open Team')).toBeDefined()
    const results = document.querySelectorAll('[data-testid="search-result"]')
    expect(results).toHaveLength(1)
    const marks = [...document.querySelectorAll('mark')].map((m) => m.textContent)
    expect(marks).toEqual(['team'])
    expect(document.querySelector('[data-testid="search-result"] b')).toBeNull()
    expect(results[0]?.textContent).toContain('<b>team</b> meeting')

    buttonNamed('Show more')?.click()
    await flushPromises()
    expect(document.querySelectorAll('[data-testid="search-result"]')).toHaveLength(2)
    expect(buttonNamed('Show more')).toBeUndefined()
  })

  it('opens the chat at the chosen message', async () => {
    fakeServer({
      'GET /api/search?q=old&limit=20': () => ({
        json: { results: [{ chatId: team.id, message: message(30, 3, 'old'), snippet: [{ text: 'old', match: true }] }], hasMore: false, chats: [], users: [] },
      }),
    })
    const router = await searchFor('old')
    ;(document.querySelector('[data-testid="search-result"]') as HTMLButtonElement).click()
    await flushPromises()
    expect(router.currentRoute.value.path).toBe(`/chat/${team.id}`)
    expect(useJumpStore().take(team.id)).toBe(3)
  })

  it('waits for 2 characters and says when nothing is found', async () => {
    const fetchMock = fakeServer({
      'GET /api/search?q=zz&limit=20': () => ({ json: { results: [], hasMore: false, chats: [], users: [] } }),
    })
    await searchFor('z')
    expect(fetchMock).not.toHaveBeenCalled()
    expect(document.body.textContent).toContain('at least 2 characters')
    await wrapper?.setProps({ query: 'zz' })
    vi.advanceTimersByTime(DEBOUNCE_MS + 10)
    await flushPromises()
    expect(document.body.textContent).toContain('Nothing found')
  })
})
