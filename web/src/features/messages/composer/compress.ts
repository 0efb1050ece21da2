// Photos are shrunk in the browser before upload, as Telegram does: a phone picture of
// 3-8 MB becomes ~500 KB, which uploads in seconds on a weak connection and is what the
// timeline shows anyway. The library is loaded only when an image needs it.
import type { Options } from 'browser-image-compression'

export const TARGET_BYTES = 0.5 * 1024 * 1024
export const MAX_SIDE_PX = 1600

// GIF is left alone: re-encoding through a canvas keeps only the first frame.
const COMPRESSIBLE = new Set(['image/jpeg', 'image/png', 'image/webp'])

export const COMPRESSION_OPTIONS: Options = {
  maxSizeMB: TARGET_BYTES / 1024 / 1024,
  maxWidthOrHeight: MAX_SIDE_PX,
  // Must stay false: with a worker the library importScripts() its own code from
  // cdn.jsdelivr.net, which the app's CSP forbids and which fails offline or on a LAN
  // without internet. On the main thread a photo takes well under a second.
  useWebWorker: false,
  // A good first guess for photos: most land under the target without a second pass.
  initialQuality: 0.85,
}

/** PNG photos go out as WebP: a canvas re-encodes PNG losslessly, so the library could
 *  only meet the size target by shrinking the picture again and again (measured: a 4 MB
 *  2000x1500 photo took 17 s and ended at 955 px). WebP is lossy, small and keeps alpha. */
export function optionsFor(type: string): Options {
  return type === 'image/png' ? { ...COMPRESSION_OPTIONS, fileType: 'image/webp' } : COMPRESSION_OPTIONS
}

/** `photo.png` becomes `photo.webp` when its content did. */
export function renamed(name: string, type: string): string {
  const ext = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' }[type]
  if (!ext) return name
  const dot = name.lastIndexOf('.')
  return `${dot > 0 ? name.slice(0, dot) : name}.${ext}`
}

export interface ImageFacts {
  type: string
  size: number
  /** null when the image could not be measured (not decodable here). */
  width: number | null
  height: number | null
}

export function isCompressible(type: string): boolean {
  return COMPRESSIBLE.has(type)
}

/** Whether an image is worth re-encoding: a supported type that is too heavy or too big. */
export function needsCompression(image: ImageFacts): boolean {
  if (!isCompressible(image.type)) return false
  if (image.size > TARGET_BYTES) return true
  if (image.width === null || image.height === null) return false
  return Math.max(image.width, image.height) > MAX_SIDE_PX
}

async function measure(file: Blob): Promise<{ width: number; height: number } | null> {
  try {
    const bitmap = await createImageBitmap(file)
    const size = { width: bitmap.width, height: bitmap.height }
    bitmap.close()
    return size
  } catch {
    return null
  }
}

/** The blob to upload for `file`: a compressed copy when that helps, else the file itself.
 *  Never fails: if compression does, the server still takes (and re-encodes) the original. */
export async function prepareImage(file: File, signal?: AbortSignal): Promise<Blob> {
  if (!isCompressible(file.type)) return file
  // Heavy files are compressed whatever their size in pixels: no need to decode them twice.
  const box = file.size > TARGET_BYTES ? null : await measure(file)
  if (!needsCompression({ type: file.type, size: file.size, width: box?.width ?? null, height: box?.height ?? null })) {
    return file
  }
  try {
    const { default: imageCompression } = await import('browser-image-compression')
    const base = optionsFor(file.type)
    const options: Options = signal ? { ...base, signal } : base
    const out = await imageCompression(file, options)
    return out.size < file.size ? out : file
  } catch (e) {
    if (signal?.aborted) throw e
    return file
  }
}
