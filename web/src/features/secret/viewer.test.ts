// An encrypted image opens in the full-screen viewer from the blob: URL its bubble decrypted,
// with the decrypted caption; nothing is fetched again, and the viewer closes when the message
// goes (deleted, self-destructed).
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, type VueWrapper } from '@vue/test-utils'
import { shallowReactive } from 'vue'
import type { Attachment } from '@/api/types'
import { useMessagesStore } from '@/stores/messages'
import ImageViewer from '@/features/messages/ImageViewer.vue'
import { sealFile } from './attachments'
import { hideImage, showImage } from './blobs'
import { restoreSecretDeps } from './deps'
import { useSecretStore } from './store'
import { plain, secretGroupOfTwo, secretMessage, type FakeEngine } from './testing'

let engine: FakeEngine
let wrapper: VueWrapper | null = null

const sealed = (id: string): Attachment => ({
  id, url: `/api/files/${id}`, name: 'file.bin', mime: 'application/octet-stream', size: 10,
  width: null, height: null, thumbnailUrl: null, durationMs: null, waveform: null,
})
const decrypted = (id: string, url: string): Attachment => ({
  ...sealed(id), url, name: `${id}.png`, mime: 'image/png', width: 64, height: 48,
})

beforeEach(() => {
  engine = secretGroupOfTwo()
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
  hideImage('u1', 'blob:one')
  hideImage('u2', 'blob:two')
  restoreSecretDeps()
  vi.unstubAllGlobals()
})

async function twoPhotos(): Promise<void> {
  const { meta } = await sealFile(new Blob([new Uint8Array(8)], { type: 'image/png' }), 'x.png', 'image/png')
  engine.results.set('c1', plain({ v: 1, kind: 'text', text: 'our cat', attachments: [{ ...meta, id: 'u1', name: 'u1.png' }] }, 2))
  engine.results.set('c2', plain({ v: 1, kind: 'text', text: '', attachments: [{ ...meta, id: 'u2', name: 'u2.png' }] }, 2))
  const list = [
    secretMessage(1, { type: 'image', content: 'c1', attachments: [sealed('u1')] }),
    secretMessage(2, { type: 'image', content: 'c2', attachments: [sealed('u2')] }),
  ]
  useMessagesStore().timeline(9).messages = shallowReactive(list)
  useSecretStore().ingest(list)
  await vi.waitFor(() => { expect(useSecretStore().entries.get(2)?.state).toBe('ok') })
  // What the two bubbles decrypted (SecretFile.vue registers them).
  showImage(decrypted('u1', 'blob:one'))
  showImage(decrypted('u2', 'blob:two'))
}

describe('the full-screen viewer in a secret chat', () => {
  it('shows the decrypted image and caption, steps to the next one, and fetches nothing', async () => {
    const fetchMock = vi.fn(() => Promise.reject(new Error('no network in this test')))
    vi.stubGlobal('fetch', fetchMock)
    await twoPhotos()
    wrapper = mount(ImageViewer, { props: { chatId: 9, attachment: decrypted('u1', 'blob:one') }, attachTo: document.body })
    await vi.waitFor(() => { expect(wrapper?.find('[data-testid="viewer-image"]').exists()).toBe(true) })
    expect(wrapper.get('[data-testid="viewer-image"]').attributes('src')).toBe('blob:one')
    expect(wrapper.get('[data-testid="viewer-caption"]').text()).toBe('our cat')
    expect(wrapper.html()).not.toContain('c1')
    await wrapper.get('button[aria-label="Next image"]').trigger('click')
    expect(wrapper.emitted('show')?.[0]?.[0]).toMatchObject({ id: 'u2', url: 'blob:two' })
    expect(fetchMock).not.toHaveBeenCalled()
  })

  it('closes when the message goes (deleted for everyone, or its self-destruct time came)', async () => {
    await twoPhotos()
    wrapper = mount(ImageViewer, { props: { chatId: 9, attachment: decrypted('u1', 'blob:one') }, attachTo: document.body })
    expect(wrapper.emitted('close')).toBeUndefined()
    useMessagesStore().remove(9, [1], true)
    await vi.waitFor(() => { expect(wrapper?.emitted('close')).toHaveLength(1) })
  })
})
