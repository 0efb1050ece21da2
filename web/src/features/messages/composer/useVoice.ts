// A voice message from the composer: the recorder is shown (loaded on demand), and what it
// recorded is uploaded with its duration and waveform, then handed to the outbox like any
// message with an attachment.
import { ref, type Ref } from 'vue'
import { errorText, uploadFile } from '@/api/http'
import type { Attachment } from '@/api/types'
import { t } from '@/i18n'
import type { VoiceRecording } from '../voice/VoiceRecorder.vue'
import { toAttachment } from './useAttachments'
import { SEALED_NAME, sealFile } from '@/features/secret/attachments'
import type { SecretAttachment } from '@/features/secret/payload'

export interface Voice {
  /** Recording now; `hold`: started by a touch, sent when the finger lifts. */
  recording: Ref<{ hold: boolean } | null>
  released: Ref<boolean>
  uploading: Ref<boolean>
  error: Ref<string | null>
  start: (hold: boolean) => void
  /** The finger lifted (hold mode). */
  release: () => void
  cancel: (message?: string) => void
  send: (recording: VoiceRecording) => Promise<void>
}

export interface VoiceDeps {
  upload: typeof uploadFile
}

/** `deliver` puts the uploaded attachment into a message for `chatId` (read when the
 *  recording started: the user may switch chats while it uploads). `seal`: a secret chat's
 *  recording is encrypted first and uploaded opaque (no waveform: the server would see it);
 *  `deliver` then also gets what opens it. */
export function useVoice(
  chatId: () => number,
  deliver: (chatId: number, attachment: Attachment, sealed: SecretAttachment | null) => void,
  deps: VoiceDeps = { upload: uploadFile },
  seal: (chatId: number) => boolean = () => false,
): Voice {
  const recording = ref<{ hold: boolean } | null>(null)
  const released = ref(false)
  const uploading = ref(false)
  const error = ref<string | null>(null)
  let target = 0

  function start(hold: boolean): void {
    if (recording.value || uploading.value) return
    target = chatId()
    error.value = null
    released.value = false
    recording.value = { hold }
  }

  async function send(rec: VoiceRecording): Promise<void> {
    recording.value = null
    uploading.value = true
    try {
      if (seal(target)) {
        const { body, meta } = await sealFile(rec.blob, rec.name, rec.blob.type, { durationMs: Math.round(rec.durationMs) })
        const upload = await deps.upload(body, SEALED_NAME, () => undefined, undefined, { sealed: true })
        deliver(target, toAttachment(upload), { ...meta, id: upload.id })
        return
      }
      const { durationMs, waveform } = rec
      const extra = waveform ? { durationMs, waveform } : { durationMs }
      const upload = await deps.upload(rec.blob, rec.name, () => undefined, undefined, extra)
      deliver(target, toAttachment(upload), null)
    } catch (e) {
      error.value = t('voice.couldNotSend', { reason: errorText(e, e instanceof Error ? e.message : '') })
    } finally {
      uploading.value = false
    }
  }

  return {
    recording,
    released,
    uploading,
    error,
    start,
    release: () => { released.value = true },
    cancel: (message) => {
      recording.value = null
      error.value = message ?? null
    },
    send,
  }
}
