// A profile or group photo picked with an <input type="file">: uploaded with progress, then
// put in place by `use(uploadId)`; the error, if any, in the server's own words.
import { ref, type Ref } from 'vue'
import { errorText, uploadFile } from '@/api/http'

export interface PhotoUpload {
  /** 0..1 while uploading, null otherwise. */
  progress: Ref<number | null>
  onPicked: (event: Event) => Promise<void>
}

/** `error` is the form's own error line, shared with its other actions. */
export function usePhotoUpload(
  use: (uploadId: string) => Promise<void>,
  /** A function: read when it fails, so it is in the language of that moment. */
  failure: () => string,
  error: Ref<string | null>,
): PhotoUpload {
  const progress = ref<number | null>(null)

  async function onPicked(event: Event): Promise<void> {
    const target = event.target as HTMLInputElement
    const file = target.files?.[0]
    target.value = '' // so picking the same file again still fires `change`
    if (!file) return
    error.value = null
    progress.value = 0
    try {
      const upload = await uploadFile(file, file.name, (f) => { progress.value = f })
      await use(upload.id)
    } catch (e) {
      error.value = errorText(e, failure())
    } finally {
      progress.value = null
    }
  }

  return { progress, onPicked }
}
