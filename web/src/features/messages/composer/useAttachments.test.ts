import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { ApiError } from '@/api/http'
import type { Upload } from '@/api/types'
import { useComposerStore } from '@/stores/composer'
import { MAX_FILE_BYTES, admit, useAttachments, type AttachDeps } from './useAttachments'

interface Call {
  name: string
  progress: (fraction: number) => void
  signal: AbortSignal | undefined
  resolve: (upload: Upload) => void
  reject: (error: unknown) => void
}

let calls: Call[]
let deps: AttachDeps

function file(name: string, size: number, type = 'application/pdf'): File {
  const f = new File([], name, { type })
  // A real 10 MB buffer per test is slow: only the size matters here.
  Object.defineProperty(f, 'size', { value: size })
  return f
}

function uploaded(name: string): Upload {
  return { id: `id-${name}`, url: `/api/files/id-${name}`, name, mime: 'application/pdf', size: 10, width: null, height: null, thumbnailUrl: null, durationMs: null, waveform: null }
}

const flush = (): Promise<void> => new Promise((r) => setTimeout(r, 0))

beforeEach(() => {
  setActivePinia(createPinia())
  calls = []
  deps = {
    upload: (_blob, name, progress, signal) =>
      new Promise<Upload>((resolve, reject) => { calls.push({ name, progress, signal, resolve, reject }) }),
    prepare: (f) => Promise.resolve(f),
    objectUrl: vi.fn((b: Blob) => `blob:${(b as File).name}`),
  }
})

afterEach(() => { vi.restoreAllMocks() })

describe('admit', () => {
  it('refuses files over 10 MB and empty files at once, with the reason', () => {
    const { accepted, refused } = admit(0, [file('a.pdf', 100), file('big.mov', MAX_FILE_BYTES + 1), file('e.txt', 0)])
    expect(accepted.map((f) => f.name)).toEqual(['a.pdf'])
    expect(refused).toEqual(['“big.mov” is 10.0 MB: files can be at most 10 MB.', '“e.txt”: empty files cannot be sent.'])
  })

  it('accepts exactly 10 MB', () => {
    expect(admit(0, [file('ok.pdf', MAX_FILE_BYTES)]).accepted).toHaveLength(1)
  })

  it('keeps at most 10 attachments per message', () => {
    const files = Array.from({ length: 5 }, (_, i) => file(`f${i}`, 10))
    const { accepted, refused } = admit(8, files)
    expect(accepted.map((f) => f.name)).toEqual(['f0', 'f1'])
    expect(refused).toEqual(['Up to 10 files per message: 3 were not added.'])
  })
})

describe('useAttachments', () => {
  it('uploads each file as soon as it is added and reports progress', async () => {
    const a = useAttachments(() => 1, deps)
    a.add([file('doc.pdf', 1000)])
    await flush()
    expect(a.items.value[0]?.status).toBe('uploading')
    expect(a.busy.value).toBe(true)
    calls[0]?.progress(0.5)
    expect(a.items.value[0]?.progress).toBe(0.5)
    calls[0]?.resolve(uploaded('doc.pdf'))
    await flush()
    expect(a.items.value[0]?.status).toBe('done')
    expect(a.busy.value).toBe(false)
    expect(a.uploaded()).toEqual([uploaded('doc.pdf')])
  })

  it('makes an object-URL thumbnail for images only', () => {
    const a = useAttachments(() => 1, deps)
    a.add([file('p.jpg', 10, 'image/jpeg'), file('d.pdf', 10), file('x.svg', 10, 'image/svg+xml')])
    expect(a.items.value.map((i) => i.previewUrl)).toEqual(['blob:p.jpg', null, null])
  })

  it('shows the server message when an upload fails, and retries', async () => {
    const a = useAttachments(() => 1, deps)
    a.add([file('bad.exe', 10)])
    await flush()
    calls[0]?.reject(new ApiError(415, 'unsupported_media_type', 'This file type is not allowed.'))
    await flush()
    expect(a.items.value[0]).toMatchObject({ status: 'error', error: 'This file type is not allowed.' })
    expect(a.failed.value).toBe(true)
    a.retry(a.items.value[0]?.key ?? '')
    await flush()
    expect(calls).toHaveLength(2)
    calls[1]?.resolve(uploaded('bad.exe'))
    await flush()
    expect(a.failed.value).toBe(false)
  })

  it('aborts a running upload and revokes the thumbnail on remove', async () => {
    const revoke = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    const a = useAttachments(() => 1, deps)
    a.add([file('p.png', 10, 'image/png')])
    await flush()
    const signal = calls[0]?.signal
    a.remove(a.items.value[0]?.key ?? '')
    expect(signal?.aborted).toBe(true)
    expect(revoke).toHaveBeenCalledWith('blob:p.png')
    expect(a.items.value).toHaveLength(0)
    calls[0]?.reject(new ApiError(0, 'aborted', 'Upload cancelled.'))
    await flush()
    expect(a.items.value).toHaveLength(0)
  })

  it('keeps each chat’s files apart and in the store (they survive a chat switch)', () => {
    const one = useAttachments(() => 1, deps)
    one.add([file('one.pdf', 10)])
    const two = useAttachments(() => 2, deps)
    expect(two.items.value).toHaveLength(0)
    expect(useAttachments(() => 1, deps).items.value.map((i) => i.name)).toEqual(['one.pdf'])
    useComposerStore().reset()
    expect(one.items.value).toHaveLength(0)
  })

  it('reports refusals in notice and clears them on the next add', () => {
    const a = useAttachments(() => 1, deps)
    a.add([file('huge.iso', MAX_FILE_BYTES * 2)])
    expect(a.notice.value).toContain('at most 10 MB')
    a.add([file('ok.pdf', 10)])
    expect(a.notice.value).toBeNull()
  })
})

describe('useAttachments in a secret chat', () => {
  it('encrypts before upload and uploads opaque bytes as file.bin, sealed', async () => {
    const bodies: { blob: Blob; name: string; extra: unknown }[] = []
    const secretDeps: AttachDeps = {
      ...deps,
      upload: (blob, name, _progress, _signal, extra) => {
        bodies.push({ blob, name, extra })
        return Promise.resolve({ ...uploaded(name), id: 'up1' })
      },
    }
    const files = useAttachments(() => 9, secretDeps, () => true)
    const plain = new TextEncoder().encode('%PDF-1.7 secret report')
    files.add([new File([plain], 'report.pdf', { type: 'application/pdf' })])
    await vi.waitFor(() => { expect(files.items.value[0]?.status).toBe('done') })
    const [sent] = bodies
    expect(sent?.name).toBe('file.bin')
    expect(sent?.extra).toEqual({ sealed: true })
    expect(sent?.blob.type).toBe('application/octet-stream')
    const bytes = new Uint8Array(await (sent?.blob ?? new Blob()).arrayBuffer())
    expect(new TextDecoder().decode(bytes)).not.toContain('PDF')
    expect(files.sealed()).toEqual([expect.objectContaining({ id: 'up1', name: 'report.pdf', mime: 'application/pdf', size: plain.length })])
    expect(files.uploaded().map((a) => a.id)).toEqual(['up1'])
  })
})
