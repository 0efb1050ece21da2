// Before a video is uploaded, the browser draws its poster frame (the server never decodes
// video) and reads its length. Loaded only when a video is attached.

/** Posters are scaled down to this: the bubble shows at most 320 px, and the server takes
 *  at most 512 KB of poster. */
const MAX_SIDE = 960
const TIMEOUT_MS = 10_000

export interface VideoFacts {
  poster: Blob | null
  durationMs: number | null
}

function once(el: HTMLVideoElement, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { reject(new Error('timeout')) }, TIMEOUT_MS)
    el.addEventListener(event, () => { clearTimeout(timer); resolve() }, { once: true })
    el.addEventListener('error', () => { clearTimeout(timer); reject(new Error('video')) }, { once: true })
  })
}

/** A still a little into the video (the very first frame is often black) as a JPEG, and
 *  the length; nulls for what this browser cannot decode: the upload goes on without. */
export async function videoFacts(file: Blob): Promise<VideoFacts> {
  const url = URL.createObjectURL(file)
  const el = document.createElement('video')
  el.muted = true
  el.preload = 'auto'
  el.src = url
  try {
    await once(el, 'loadeddata')
    const seconds = Number.isFinite(el.duration) ? el.duration : 0
    const durationMs = seconds > 0 ? Math.round(seconds * 1000) : null
    if (seconds > 0) {
      el.currentTime = Math.min(0.5, seconds / 2)
      await once(el, 'seeked')
    }
    const scale = Math.min(1, MAX_SIDE / Math.max(el.videoWidth, el.videoHeight, 1))
    const canvas = document.createElement('canvas')
    canvas.width = Math.max(1, Math.round(el.videoWidth * scale))
    canvas.height = Math.max(1, Math.round(el.videoHeight * scale))
    canvas.getContext('2d')?.drawImage(el, 0, 0, canvas.width, canvas.height)
    const poster = el.videoWidth
      ? await new Promise<Blob | null>((resolve) => { canvas.toBlob(resolve, 'image/jpeg', 0.8) })
      : null
    return { poster, durationMs }
  } catch {
    return { poster: null, durationMs: null }
  } finally {
    el.removeAttribute('src')
    el.load()
    URL.revokeObjectURL(url)
  }
}
