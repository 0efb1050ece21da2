// Private files need the Authorization header, so <img src> cannot load them directly:
// they are fetched once as blobs and kept as object URLs (an in-memory LRU cache).
import { onBeforeUnmount, ref, watch, type Ref } from 'vue'
import { fetchBlob } from '@/api/http'

// 300 blobs: a few screens of thumbnails and avatars; older ones are revoked.
const MAX_ENTRIES = 300
const cache = new Map<string, Promise<string>>()

export function blobUrl(url: string): Promise<string> {
  // Already an object URL, made and revoked by its owner (a secret chat's decrypted file,
  // features/secret/SecretFile.vue): used as it is. Copied into this cache it would keep a
  // decrypted file in memory after its chat closed, the message self-destructed or the user
  // signed out.
  if (url.startsWith('blob:')) return Promise.resolve(url)
  const hit = cache.get(url)
  if (hit) {
    cache.delete(url)
    cache.set(url, hit)
    return hit
  }
  const job = fetchBlob(url).then((blob) => URL.createObjectURL(blob))
  job.catch(() => cache.delete(url))
  cache.set(url, job)
  while (cache.size > MAX_ENTRIES) {
    const [oldest, value] = cache.entries().next().value as [string, Promise<string>]
    cache.delete(oldest)
    void value.then((u) => { URL.revokeObjectURL(u) }).catch(() => undefined)
  }
  return job
}

/** An object URL for a private file URL; null while loading or on failure. */
export function useBlobUrl(source: () => string | null | undefined): Ref<string | null> {
  const result = ref<string | null>(null)
  let alive = true
  onBeforeUnmount(() => { alive = false })
  watch(
    source,
    (url) => {
      result.value = null
      if (!url) return
      blobUrl(url).then(
        (u) => { if (alive && source() === url) result.value = u },
        () => { if (alive) result.value = null },
      )
    },
    { immediate: true },
  )
  return result
}

export function clearMediaCache(): void {
  for (const job of cache.values()) void job.then((u) => { URL.revokeObjectURL(u) }).catch(() => undefined)
  cache.clear()
}
