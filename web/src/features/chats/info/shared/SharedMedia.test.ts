import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Attachment, Message } from '@/api/types'
import { buttonNamed, fakeServer } from '../../testing'
import SharedMedia from './SharedMedia.vue'

let mounted: VueWrapper[] = []
beforeEach(() => {
  setActivePinia(createPinia())
  // Thumbnails load as blobs through object URLs.
  vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:thumb', revokeObjectURL: () => undefined }))
})
afterEach(() => {
  for (const w of mounted) w.unmount()
  mounted = []
  document.body.innerHTML = ''
  vi.unstubAllGlobals()
})

function file(id: string, name: string, mime: string, size = 2048): Attachment {
  const image = mime.startsWith('image/')
  return {
    id, name, mime, size, url: `/api/files/${id}`, width: image ? 64 : null, height: image ? 48 : null,
    thumbnailUrl: image ? `/api/files/${id}/thumbnail` : null, durationMs: null, waveform: null,
  }
}

function message(seq: number, content: string, attachments: Attachment[] = []): Message {
  return {
    id: 100 + seq, chatId: 5, seq, senderId: 2, type: attachments.length ? 'file' : 'text', content, replyTo: null,
    replyPreview: null, attachments, reactions: {}, readBy: [], clientId: null, meta: null,
    createdAt: '2026-01-01T10:00:00Z', editedAt: null, deletedAt: null, forwardedFrom: null, mentions: [], linkPreview: null, expiresAt: null,
  }
}

const page = (items: Message[], hasMore = false): { json: unknown } => ({ json: { items, hasMore } })
const base = '/api/chats/5/shared'

async function open(): Promise<void> {
  mounted.push(mount(SharedMedia, { props: { chatId: 5 }, attachTo: document.body }))
  await flushPromises()
}

function tab(name: string): HTMLButtonElement {
  const found = [...document.querySelectorAll<HTMLButtonElement>('[role="tab"]')].find((t) => t.textContent.trim() === name)
  if (!found) throw new Error(`no tab ${name}`)
  return found
}

describe('SharedMedia', () => {
  it('shows the photos first, then files and links on their tabs', async () => {
    fakeServer({
      [`GET ${base}?kind=media&limit=30`]: () => page([message(9, 'look', [file('p1', 'beach.png', 'image/png')])]),
      'GET /api/files/p1/thumbnail': () => ({ json: {} }),
      [`GET ${base}?kind=files&limit=30`]: () => page([message(7, '', [file('f1', 'notes.pdf', 'application/pdf', 3 * 1024 * 1024)])]),
      [`GET ${base}?kind=links&limit=30`]: () => page([message(8, 'read https://example.com/post and http://x.org')]),
    })
    await open()
    expect(tab('Media').getAttribute('aria-selected')).toBe('true')
    expect(buttonNamed('Open image beach.png')).toBeDefined()
    expect(document.querySelector('.grid img')?.getAttribute('src')).toBe('blob:thumb')

    tab('Files').click()
    await flushPromises()
    expect(tab('Files').getAttribute('aria-selected')).toBe('true')
    expect(buttonNamed('Download notes.pdf')?.textContent).toContain('3.0 MB')

    tab('Links').click()
    await flushPromises()
    const links = [...document.querySelectorAll<HTMLAnchorElement>('[role="tabpanel"] a')]
    expect(links.map((a) => a.href)).toEqual(['https://example.com/post', 'http://x.org/'])
    expect(links.every((a) => a.rel.includes('noopener') && a.target === '_blank')).toBe(true)
  })

  it('lists nothing of a secret chat (its uploads are sealed file.bin), and says where its media are', async () => {
    const fetchMock = fakeServer({
      [`GET ${base}?kind=media&limit=30`]: () => page([message(9, '', [file('s1', 'file.bin', 'application/octet-stream')])]),
      [`GET ${base}?kind=files&limit=30`]: () => page([message(9, '', [file('s1', 'file.bin', 'application/octet-stream')])]),
    })
    mounted.push(mount(SharedMedia, { props: { chatId: 5, secret: true }, attachTo: document.body }))
    await flushPromises()
    expect(document.querySelectorAll('[role="tab"]')).toHaveLength(0)
    expect(document.body.textContent).not.toContain('file.bin')
    expect(document.body.textContent).toContain('Photos and files of a secret chat are shown only in the chat itself')
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('moves between tabs with the arrow keys', async () => {
    fakeServer({})
    await open()
    tab('Media').focus()
    tab('Media').dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true }))
    await flushPromises()
    expect(tab('Links').getAttribute('aria-selected')).toBe('true')
    expect(document.activeElement).toBe(tab('Links'))
    expect(tab('Media').tabIndex).toBe(-1)
  })

  it('pages on with "Show more" from the last item', async () => {
    const fetchMock = fakeServer({
      [`GET ${base}?kind=media&limit=30`]: () => page([message(40, '', [file('a', 'a.png', 'image/png')])], true),
      [`GET ${base}?kind=media&limit=30&before=40`]: () => page([message(3, '', [file('b', 'b.png', 'image/png')])]),
    })
    await open()
    buttonNamed('Show more')?.click()
    await flushPromises()
    expect(buttonNamed('Open image a.png')).toBeDefined()
    expect(buttonNamed('Open image b.png')).toBeDefined()
    expect(buttonNamed('Show more')).toBeUndefined()
    const urls = fetchMock.mock.calls.map(([u]) => (typeof u === 'string' ? u : '')).filter((u) => u.startsWith(base))
    expect(urls).toEqual([`${base}?kind=media&limit=30`, `${base}?kind=media&limit=30&before=40`])
  })

  it('says when nothing was shared, and offers a retry when loading failed', async () => {
    let fail = true
    fakeServer({
      [`GET ${base}?kind=media&limit=30`]: () =>
        fail ? { status: 500, json: { error: { code: 'oops', message: 'Server trouble.' } } } : page([]),
    })
    await open()
    expect(document.querySelector('[role="alert"]')?.textContent).toContain('Server trouble.')
    fail = false
    buttonNamed('Try again')?.click()
    await flushPromises()
    expect(document.body.textContent).toContain('No photos shared yet')
  })
})
