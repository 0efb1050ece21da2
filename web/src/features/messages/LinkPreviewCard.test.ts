import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { beforeEach, describe, expect, it, vi } from 'vitest'
import LinkPreviewCard from './LinkPreviewCard.vue'

const command = vi.hoisted(() => vi.fn<(type: string, data: unknown) => Promise<unknown>>())
vi.mock('@/realtime/sync', () => ({ realtime: () => ({ state: 'ready', command }) }))
const fetchBlob = vi.hoisted(() => vi.fn<(url: string) => Promise<Blob>>())
vi.mock('@/api/http', () => ({ fetchBlob }))

const preview = {
  url: 'https://example.com/a',
  siteName: 'Example',
  title: '<img src=x onerror=alert(1)> Title',
  description: 'A <b>bold</b> claim',
  imageUrl: '/api/messages/9/link-preview/image',
}

beforeEach(() => {
  setActivePinia(createPinia())
  command.mockReset()
  fetchBlob.mockReset()
  fetchBlob.mockResolvedValue(new Blob(['x'], { type: 'image/png' }))
  URL.createObjectURL = vi.fn(() => 'blob:preview')
})

describe('LinkPreviewCard', () => {
  it('shows the page text as text, links to the page and loads our copy of the image', async () => {
    const w = mount(LinkPreviewCard, { props: { preview, messageId: 9, mine: false } })
    await flushPromises()
    expect(w.get('.title').text()).toBe(preview.title)
    expect(w.find('.title img').exists()).toBe(false)
    expect(w.get('.description').text()).toBe('A <b>bold</b> claim')
    expect(w.get('a').attributes('href')).toBe('https://example.com/a')
    expect(w.get('a').attributes('rel')).toContain('noopener')
    expect(fetchBlob).toHaveBeenCalledWith('/api/messages/9/link-preview/image')
    expect(w.get('img.image').attributes('src')).toBe('blob:preview')
    expect(w.find('button.remove').exists()).toBe(false) // not the sender's
  })

  it('never makes a non-http URL a link', () => {
    const w = mount(LinkPreviewCard, { props: { preview: { ...preview, url: 'javascript:alert(1)', imageUrl: null }, messageId: 9, mine: false } })
    expect(w.get('a').attributes('href')).toBeUndefined()
  })

  it('lets the sender remove it through message:preview_remove', async () => {
    command.mockResolvedValue({ id: 9, chatId: 1, linkPreview: null })
    const w = mount(LinkPreviewCard, { props: { preview, messageId: 9, mine: true } })
    await w.get('button.remove').trigger('click')
    await flushPromises()
    expect(command).toHaveBeenCalledWith('message:preview_remove', { messageId: 9 })
    expect(w.find('[role=alert]').exists()).toBe(false)
  })

  it('says so when the removal fails', async () => {
    command.mockRejectedValue(new Error('Only the sender can remove a link preview.'))
    const w = mount(LinkPreviewCard, { props: { preview, messageId: 9, mine: true } })
    await w.get('button.remove').trigger('click')
    await flushPromises()
    expect(w.get('[role=alert]').text()).toContain('Only the sender')
  })
})
