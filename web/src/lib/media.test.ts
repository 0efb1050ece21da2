import { afterEach, describe, expect, it, vi } from 'vitest'
import { blobUrl, clearMediaCache } from './media'

afterEach(() => { vi.unstubAllGlobals(); vi.restoreAllMocks() })

describe('the media blob cache', () => {
  it('fetches a private file once and keeps its object URL', async () => {
    const fetchMock = vi.fn(() => Promise.resolve(new Response(new Uint8Array([1, 2]), { status: 200 })))
    vi.stubGlobal('fetch', fetchMock)
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:copy')
    expect(await blobUrl('/api/files/a')).toBe('blob:copy')
    expect(await blobUrl('/api/files/a')).toBe('blob:copy')
    expect(fetchMock).toHaveBeenCalledTimes(1)
    clearMediaCache()
  })

  it('passes an object URL through: a secret chat’s decrypted file is never copied into it', async () => {
    const fetchMock = vi.fn(() => Promise.resolve(new Response(new Uint8Array([1, 2]), { status: 200 })))
    vi.stubGlobal('fetch', fetchMock)
    const created = vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:copy')
    const revoked = vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined)
    expect(await blobUrl('blob:http://localhost/decrypted')).toBe('blob:http://localhost/decrypted')
    expect(fetchMock).not.toHaveBeenCalled()
    expect(created).not.toHaveBeenCalled()
    // Not the cache's to revoke either: its owner (the bubble) does.
    clearMediaCache()
    expect(revoked).not.toHaveBeenCalled()
  })
})
