// Shared fixtures for the chats dialogs' tests: a fake server behind `fetch`, a memory
// router, and a few people and a group.
import { vi } from 'vitest'
import { defineComponent, h } from 'vue'
import { createMemoryHistory, createRouter, type Router } from 'vue-router'
import type { Chat, Member, UserMe, UserPublic } from '@/api/types'

export function person(id: number, displayName: string, status: UserPublic['status'] = 'offline'): UserPublic {
  return { id, username: displayName.toLowerCase(), displayName, avatarUrl: null, status, lastSeen: null, deactivated: false }
}

export function meUser(id = 1): UserMe {
  return { ...person(id, 'Amina', 'online'), params: { theme: 'dark', messageTextSize: 16, language: null, pushPreview: true }, twoFactor: false, privacy: { lastSeen: 'chats', groupAdds: 'everybody' } }
}

/** Group 5 as the user `me` (the first person by default) sees it in the list; its
 *  members are what `memberPage` answers. */
export function group(members: [UserPublic, Member['role']][], extra: Partial<Chat> = {}, me = members[0]?.[0].id): Chat {
  return {
    id: 5, type: 'group', name: 'Team', avatarUrl: null, createdAt: '2026-01-01T00:00:00Z', lastMessage: null,
    lastSeq: 0, unreadCount: 0, pinnedMessages: [], unreadMentions: 0, firstUnreadMentionSeq: null,
    settings: { mutedUntil: null, archived: false, pinned: false, pinnedAt: null, markedUnread: false },
    memberCount: members.length, secret: false, selfDestructSeconds: null, peer: null, role: members.find(([u]) => u.id === me)?.[1] ?? 'member',
    lastReadSeq: 0, othersReadSeq: 0,
    ...extra,
  }
}

/** The answer of `GET /api/chats/{id}/members`: these members, one page. */
export function memberPage(members: [UserPublic, Member['role']][]): { members: Member[]; nextCursor: null } {
  return { members: members.map(([user, role]) => ({ user, role, lastReadSeq: 0 })), nextCursor: null }
}

export function testRouter(): Router {
  const Blank = defineComponent({ render: () => h('div') })
  return createRouter({
    history: createMemoryHistory(),
    routes: [
      { path: '/', name: 'home', component: Blank },
      { path: '/login', name: 'login', component: Blank },
      { path: '/chat/:id', name: 'chat', component: Blank },
    ],
  })
}

type Handler = (body: unknown) => { status?: number; json?: unknown }

/** `fetch` answering "METHOD /path" from `routes`; every call is recorded. */
export function fakeServer(routes: Record<string, Handler>): ReturnType<typeof vi.fn<typeof fetch>> {
  const fetchMock = vi.fn<typeof fetch>((input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url
    const key = `${init?.method ?? 'GET'} ${url}`
    const handler = routes[key]
    const raw = init?.body
    const result = handler
      ? handler(typeof raw === 'string' ? JSON.parse(raw) : undefined)
      : { status: 404, json: { error: { code: 'not_found', message: `No route ${key}` } } }
    const status = result.status ?? 200
    const body = status === 204 ? null : JSON.stringify(result.json ?? {})
    return Promise.resolve(new Response(body, { status, headers: { 'Content-Type': 'application/json' } }))
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

/** The accessible name, near enough: aria-label, else the text without aria-hidden parts. */
export function nameOf(el: Element): string {
  const label = el.getAttribute('aria-label')
  if (label !== null) return label
  const copy = el.cloneNode(true) as Element
  for (const hidden of copy.querySelectorAll('[aria-hidden="true"]')) hidden.remove()
  return copy.textContent.replace(/\s+/g, ' ').trim()
}

export function buttonNamed(name: string): HTMLButtonElement | undefined {
  return [...document.querySelectorAll('button')].find((b) => nameOf(b) === name)
}

export function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
