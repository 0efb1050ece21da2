// Files attached to the message being written. Each one uploads as soon as it is added
// (like Telegram), so that pressing Send only sends ids; images are compressed first.
// The list lives in the composer store: uploads survive a look at another chat.
import { computed, ref, type ComputedRef, type Ref } from 'vue'
import { errorText, uploadFile, type UploadExtra } from '@/api/http'
import type { Attachment, Upload } from '@/api/types'
import { fileSize } from '@/lib/format'
import { uuid } from '@/lib/uuid'
import { useComposerStore, type PendingAttachment } from '@/stores/composer'
import { prepareImage, renamed } from './compress'
import { t } from '@/i18n'
import { setting } from '@/realtime/state'
import { SEALED_NAME, sealFile } from '@/features/secret/attachments'
import type { SecretAttachment } from '@/features/secret/payload'

/** The server's limit of bytes per upload (attachments per message: `maxAttachments` of
 *  the ready frame's config). */
export const MAX_FILE_BYTES = 10 * 1024 * 1024

// Types a browser can show as a thumbnail from a local object URL.
const PREVIEWABLE = /^image\/(jpeg|png|gif|webp)$/

export interface AttachDeps {
  upload: typeof uploadFile
  prepare: (file: File, signal: AbortSignal) => Promise<Blob>
  objectUrl: (blob: Blob) => string
  /** A video's poster frame and length (drawn in the browser); the default loads on demand. */
  video?: (blob: Blob) => Promise<UploadExtra>
  /** A secret chat's file: encrypted with a fresh key (features/secret/attachments.ts). */
  seal?: typeof sealFile
}

// Videos the server plays inline: they get a poster and a length with the upload.
const INLINE_VIDEO = /^video\/(mp4|webm)$/

async function videoExtra(blob: Blob): Promise<UploadExtra> {
  const { videoFacts } = await import('../video/poster')
  const { poster, durationMs } = await videoFacts(blob)
  return { ...(poster ? { poster } : {}), ...(durationMs ? { durationMs } : {}) }
}

const defaultDeps: AttachDeps = {
  upload: uploadFile,
  prepare: prepareImage,
  objectUrl: (blob) => URL.createObjectURL(blob),
}

const quoted = (name: string): string => `“${name}”`

/** Which of `files` may be added to `current` attachments, and why the others may not. */
export function admit(current: number, files: readonly File[]): { accepted: File[]; refused: string[] } {
  const refused: string[] = []
  const tooBig = files.filter((f) => f.size > MAX_FILE_BYTES)
  const empty = files.filter((f) => f.size === 0)
  if (tooBig.length === 1 && tooBig[0]) {
    refused.push(t('composer.fileTooBig', { name: quoted(tooBig[0].name), size: fileSize(tooBig[0].size) }))
  } else if (tooBig.length > 1) {
    refused.push(t('composer.filesTooBig', { n: tooBig.length }, tooBig.length))
  }
  if (empty.length) refused.push(t('composer.emptyFiles', { names: empty.map((f) => quoted(f.name)).join(', ') }))
  const fitting = files.filter((f) => f.size > 0 && f.size <= MAX_FILE_BYTES)
  const max = setting('maxAttachments')
  const room = Math.max(0, max - current)
  if (fitting.length > room) {
    const left = fitting.length - room
    refused.push(t('composer.tooManyFiles', { max, n: left }, left))
  }
  return { accepted: fitting.slice(0, room), refused }
}

function uploadError(e: unknown): string {
  // ApiError carries the server's own words (413, 415, 422, 429…).
  return errorText(e, e instanceof Error ? e.message : t('composer.uploadFailedLong'))
}

async function run(item: PendingAttachment, deps: AttachDeps): Promise<void> {
  const signal = item.controller.signal
  try {
    if (!item.blob) {
      item.status = 'preparing'
      item.blob = await deps.prepare(item.file, signal)
      item.size = item.blob.size
      item.name = renamed(item.name, item.blob.type)
    }
    if (signal.aborted) return
    if (item.seal) {
      await runSealed(item, item.blob, deps)
      return
    }
    const extra = INLINE_VIDEO.test(item.mime) ? await (deps.video ?? videoExtra)(item.blob) : undefined
    // Removed while the poster was drawn (the signal is read afresh: it may have changed).
    if (item.controller.signal.aborted) return
    item.status = 'uploading'
    item.progress = 0
    item.result = await deps.upload(item.blob, item.name, (p) => { item.progress = p }, signal, extra)
    item.progress = 1
    item.status = 'done'
  } catch (e) {
    // Removed by the user: the item is gone already, nothing to show.
    if (signal.aborted) return
    item.status = 'error'
    item.error = uploadError(e)
  }
}

/** A secret chat's file: encrypted here, uploaded as opaque bytes with a neutral name and no
 *  poster or other extra (the server would see them in the clear). */
async function runSealed(item: PendingAttachment, blob: Blob, deps: AttachDeps): Promise<void> {
  const signal = item.controller.signal
  const { body, meta } = await (deps.seal ?? sealFile)(blob, item.name, blob.type || item.mime)
  if (item.controller.signal.aborted) return
  item.status = 'uploading'
  item.progress = 0
  // `sealed`: stored as it is, never re-encoded or thumbnailed (it cannot be read).
  item.result = await deps.upload(body, SEALED_NAME, (p) => { item.progress = p }, signal, { sealed: true })
  item.secret = { ...meta, id: item.result.id }
  item.progress = 1
  item.status = 'done'
}

export function toAttachment(upload: Upload): Attachment {
  const { id, url, name, mime, size, width, height, thumbnailUrl, durationMs, waveform } = upload
  return { id, url, name, mime, size, width, height, thumbnailUrl, durationMs, waveform }
}

export interface Attachments {
  items: ComputedRef<readonly PendingAttachment[]>
  /** Something is still compressing or uploading. */
  busy: ComputedRef<boolean>
  failed: ComputedRef<boolean>
  /** Why files were refused, until the next add or dismiss. */
  notice: Ref<string | null>
  add(files: readonly File[]): void
  remove(key: string): void
  retry(key: string): void
  clear(): void
  /** What to send: the uploaded files, in the order they were attached. */
  uploaded(): Attachment[]
  /** A secret chat's: how to open each uploaded file (keys), in the same order. */
  sealed(): SecretAttachment[]
}

export function useAttachments(chatId: () => number, deps: AttachDeps = defaultDeps, seal: () => boolean = () => false): Attachments {
  const store = useComposerStore()
  const items = computed<readonly PendingAttachment[]>(() => store.attachments.get(chatId()) ?? [])
  const busy = computed(() => items.value.some((a) => a.status === 'preparing' || a.status === 'uploading'))
  const failed = computed(() => items.value.some((a) => a.status === 'error'))
  const notice = ref<string | null>(null)

  function add(files: readonly File[]): void {
    const list = store.attachmentsOf(chatId())
    const { accepted, refused } = admit(list.length, files)
    notice.value = refused.length ? refused.join(' ') : null
    for (const file of accepted) {
      list.push({
        key: uuid(),
        name: file.name || 'file',
        mime: file.type,
        size: file.size,
        isImage: PREVIEWABLE.test(file.type),
        previewUrl: PREVIEWABLE.test(file.type) ? deps.objectUrl(file) : null,
        status: 'preparing',
        progress: 0,
        error: null,
        result: null,
        file,
        blob: null,
        controller: new AbortController(),
        seal: seal(),
        secret: null,
      })
      // Through the reactive list, so that progress updates reach the view.
      const item = list[list.length - 1]
      if (item) void run(item, deps)
    }
  }

  function retry(key: string): void {
    const item = items.value.find((a) => a.key === key)
    if (item?.status !== 'error') return
    item.error = null
    item.controller = new AbortController()
    void run(item, deps)
  }

  return {
    items,
    busy,
    failed,
    notice,
    add,
    remove: (key) => { store.removeAttachment(chatId(), key) },
    retry,
    clear: () => {
      store.clearAttachments(chatId())
      notice.value = null
    },
    uploaded: () => items.value.flatMap((a) => (a.result ? [toAttachment(a.result)] : [])),
    sealed: () => items.value.flatMap((a) => (a.secret ? [a.secret] : [])),
  }
}
