import { afterEach, describe, expect, it, vi } from 'vitest'
import { flushPromises, mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import type { Attachment } from '@/api/types'
import { sealFile } from './attachments'
import { shownCount } from './blobs'
import SecretFile from './SecretFile.vue'

const upload = (id: string): Attachment => ({
  id, url: `/api/files/${id}`, name: 'file.bin', mime: 'application/octet-stream', size: 0,
  width: null, height: null, thumbnailUrl: null, durationMs: null, waveform: null,
})

function serve(bytes: ArrayBuffer): void {
  vi.stubGlobal('fetch', vi.fn(() => Promise.resolve(new Response(bytes, { status: 200 }))))
}

afterEach(() => { vi.unstubAllGlobals(); vi.restoreAllMocks() })

describe('SecretFile', () => {
  it('shows a decrypted image from a blob: URL and revokes it when it goes', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])
    const { body, meta } = await sealFile(new Blob([png], { type: 'image/png' }), 'cat.png', 'image/png')
    serve(await body.arrayBuffer())
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:cat')
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    const w = mount(SecretFile, { props: { meta: { ...meta, id: 'u1' }, upload: upload('u1') } })
    await vi.waitFor(() => { expect(w.find('img').exists()).toBe(true) })
    expect(w.get('img').attributes()).toMatchObject({ src: 'blob:cat', alt: 'cat.png' })
    const shown = created.mock.calls[0]?.[0] as Blob
    expect(new Uint8Array(await shown.arrayBuffer())).toEqual(png)
    w.unmount()
    expect(revoked).toHaveBeenCalledWith('blob:cat')
  })

  it('opens the decrypted image in the full-screen viewer (its blob: URL), and forgets it when it goes', async () => {
    const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 9])
    const { body, meta } = await sealFile(new Blob([png], { type: 'image/png' }), 'cat.png', 'image/png')
    serve(await body.arrayBuffer())
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:cat')
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    const w = mount(SecretFile, { props: { meta: { ...meta, id: 'u1', width: 64, height: 48 }, upload: upload('u1') } })
    await vi.waitFor(() => { expect(w.find('img').exists()).toBe(true) })
    expect(shownCount()).toBe(1)
    await w.get('button').trigger('click')
    expect(w.get('button').attributes('aria-label')).toBe('Open image cat.png')
    expect(w.emitted('open')?.[0]?.[0]).toMatchObject({ id: 'u1', url: 'blob:cat', name: 'cat.png', mime: 'image/png', width: 64, height: 48 })
    w.unmount()
    expect(shownCount()).toBe(0)
  })

  it('plays a voice message from its own blob: URL: no second plaintext copy in the media cache', async () => {
    const ogg = new Uint8Array([0x4f, 0x67, 0x67, 0x53, 1])
    const { body, meta } = await sealFile(new Blob([ogg], { type: 'audio/ogg' }), 'voice.ogg', 'audio/ogg', { durationMs: 1500 })
    serve(await body.arrayBuffer())
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:voice')
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    vi.spyOn(HTMLMediaElement.prototype, 'play').mockResolvedValue(undefined)
    setActivePinia(createPinia()) // the player asks who is signed in (unheard marks)
    const w = mount(SecretFile, { props: { meta: { ...meta, id: 'v1' }, upload: upload('v1') } })
    await vi.waitFor(() => { expect(w.find('button.play').exists()).toBe(true) })
    await w.get('button.play').trigger('click')
    await vi.waitFor(() => { expect(w.get('audio').attributes('src')).toBe('blob:voice') })
    expect(created).toHaveBeenCalledTimes(1)
    expect(fetch).toHaveBeenCalledTimes(1)
    w.unmount()
  })

  it('says so, and shows nothing, when the bytes are not the ones the message names', async () => {
    const { body, meta } = await sealFile(new Blob([new Uint8Array(64)], { type: 'image/png' }), 'x.png', 'image/png')
    const bytes = new Uint8Array(await body.arrayBuffer())
    bytes[0] = (bytes[0] ?? 0) ^ 0xff
    serve(bytes.buffer)
    vi.spyOn(console, 'warn').mockImplementation(() => undefined)
    const w = mount(SecretFile, { props: { meta: { ...meta, id: 'u1' }, upload: upload('u1') } })
    await vi.waitFor(() => { expect(w.find('[role="alert"]').exists()).toBe(true) })
    expect(w.text()).toBe('The file could not be decrypted.')
    expect(w.find('img').exists()).toBe(false)
  })

  it('offers other files for download under their real name, and a missing upload as missing', async () => {
    const { meta } = await sealFile(new Blob([new Uint8Array(10)]), 'plan.pdf', 'application/pdf')
    const w = mount(SecretFile, { props: { meta: { ...meta, id: 'u1' }, upload: upload('u1') } })
    expect(w.get('button').attributes('aria-label')).toBe('Download plan.pdf')
    const gone = mount(SecretFile, { props: { meta: { ...meta, id: 'u2' }, upload: null } })
    await flushPromises()
    expect(gone.text()).toBe('Attachment missing')
  })
})
