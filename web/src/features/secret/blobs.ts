// Decrypted images of secret chats that are on screen, by upload id: the object URLs their
// bubbles (SecretFile.vue) made and revoke when they go. The full-screen viewer shows and
// steps through these. Nothing here fetches, copies or outlives a bubble: a secret chat's
// plaintext never enters lib/media's shared blob cache (which passes blob: URLs through).
import { reactive } from 'vue'
import type { Attachment, Message } from '@/api/types'
import { payloadOf } from './present'

const shown = reactive(new Map<string, Attachment>())

/** A bubble decrypted this image (its `url` is the bubble's blob: URL). */
export function showImage(attachment: Attachment): void {
  shown.set(attachment.id, attachment)
}

/** The bubble revoked its URL (it left the screen, or the message was deleted or expired). */
export function hideImage(id: string, url: string): void {
  if (shown.get(id)?.url === url) shown.delete(id)
}

/** A secret message's decrypted images on screen, in its payload's order. */
export function shownImages(message: Message): Attachment[] {
  return (payloadOf(message)?.attachments ?? []).flatMap((meta) => {
    const image = shown.get(meta.id)
    return image ? [image] : []
  })
}

/** Tests: how many decrypted images are registered. */
export function shownCount(): number {
  return shown.size
}
