import { afterEach, describe, expect, it, vi } from 'vitest'
import { COMPRESSION_OPTIONS, MAX_SIDE_PX, TARGET_BYTES, needsCompression, optionsFor, prepareImage, renamed } from './compress'

const compressMock = vi.hoisted(() => vi.fn<(file: File, options: unknown) => Promise<File>>())
vi.mock('browser-image-compression', () => ({ default: compressMock }))

const KB = 1024
const MB = 1024 * 1024

function file(type: string, size: number, name = 'photo'): File {
  return new File([new Uint8Array(size)], name, { type })
}

afterEach(() => {
  compressMock.mockReset()
  vi.unstubAllGlobals()
})

describe('needsCompression', () => {
  it('compresses JPEG, PNG and WebP over 500 KB whatever their size in pixels', () => {
    for (const type of ['image/jpeg', 'image/png', 'image/webp']) {
      expect(needsCompression({ type, size: 3 * MB, width: 800, height: 600 })).toBe(true)
      expect(needsCompression({ type, size: 3 * MB, width: null, height: null })).toBe(true)
    }
  })

  it('compresses a light image that is over 1600 px on either side', () => {
    expect(needsCompression({ type: 'image/jpeg', size: 200 * KB, width: 4000, height: 1000 })).toBe(true)
    expect(needsCompression({ type: 'image/png', size: 200 * KB, width: 900, height: 1601 })).toBe(true)
  })

  it('leaves an image alone when it is already at most 500 KB and 1600 px', () => {
    expect(needsCompression({ type: 'image/jpeg', size: TARGET_BYTES, width: MAX_SIDE_PX, height: MAX_SIDE_PX })).toBe(false)
    expect(needsCompression({ type: 'image/webp', size: 120 * KB, width: 640, height: 480 })).toBe(false)
  })

  it('leaves a light image alone when its dimensions are unknown', () => {
    expect(needsCompression({ type: 'image/jpeg', size: 100 * KB, width: null, height: null })).toBe(false)
  })

  it('never compresses GIF (animation would be lost) or non-images', () => {
    expect(needsCompression({ type: 'image/gif', size: 8 * MB, width: 4000, height: 4000 })).toBe(false)
    expect(needsCompression({ type: 'application/pdf', size: 8 * MB, width: null, height: null })).toBe(false)
    expect(needsCompression({ type: 'image/svg+xml', size: 8 * MB, width: null, height: null })).toBe(false)
  })
})

describe('COMPRESSION_OPTIONS', () => {
  it('keeps the work on the main thread (the worker would load code from a CDN)', () => {
    expect(COMPRESSION_OPTIONS).toEqual({ maxSizeMB: 0.5, maxWidthOrHeight: 1600, useWebWorker: false, initialQuality: 0.85 })
  })
})

describe('prepareImage', () => {
  it('returns a GIF or a document untouched without loading the library', async () => {
    const gif = file('image/gif', 2 * MB)
    const pdf = file('application/pdf', 2 * MB)
    expect(await prepareImage(gif)).toBe(gif)
    expect(await prepareImage(pdf)).toBe(pdf)
    expect(compressMock).not.toHaveBeenCalled()
  })

  it('compresses a heavy photo with the options and uses the smaller result', async () => {
    const small = file('image/jpeg', 400 * KB)
    compressMock.mockResolvedValue(small)
    const big = file('image/jpeg', 3 * MB)
    expect(await prepareImage(big)).toBe(small)
    expect(compressMock).toHaveBeenCalledWith(big, COMPRESSION_OPTIONS)
  })

  it('keeps the original when compression fails or does not make it smaller', async () => {
    const big = file('image/png', 2 * MB)
    compressMock.mockRejectedValueOnce(new Error('cannot decode'))
    expect(await prepareImage(big)).toBe(big)
    compressMock.mockResolvedValueOnce(file('image/png', 3 * MB))
    expect(await prepareImage(big)).toBe(big)
  })

  it('measures a light image and compresses it only when it is over 1600 px', async () => {
    const bitmap = { width: 3000, height: 2000, close: vi.fn() }
    vi.stubGlobal('createImageBitmap', vi.fn(() => Promise.resolve(bitmap)))
    const resized = file('image/jpeg', 100 * KB)
    compressMock.mockResolvedValue(resized)
    expect(await prepareImage(file('image/jpeg', 300 * KB))).toBe(resized)
    expect(bitmap.close).toHaveBeenCalled()

    bitmap.width = 1200
    bitmap.height = 900
    const fine = file('image/jpeg', 300 * KB)
    expect(await prepareImage(fine)).toBe(fine)
    expect(compressMock).toHaveBeenCalledTimes(1)
  })
})

describe('PNG photos', () => {
  it('are re-encoded as WebP, other types keep theirs', () => {
    expect(optionsFor('image/png')).toEqual({ ...COMPRESSION_OPTIONS, fileType: 'image/webp' })
    expect(optionsFor('image/jpeg')).toBe(COMPRESSION_OPTIONS)
  })

  it('get a name that matches their new content', () => {
    expect(renamed('sunset.png', 'image/webp')).toBe('sunset.webp')
    expect(renamed('no-extension', 'image/jpeg')).toBe('no-extension.jpg')
    expect(renamed('report.pdf', 'application/pdf')).toBe('report.pdf')
  })
})
