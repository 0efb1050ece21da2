// What the user is writing, per chat: the reply target (set from a message's menu), the
// draft text (kept across chat switches and reloads) and the files attached so far. Files
// live here rather than in the composer so that an upload keeps going, and stays attached,
// while the user looks at another chat.
import { defineStore } from 'pinia'
import { reactive, watch } from 'vue'
import type { Message, Upload } from '@/api/types'
import type { SecretAttachment } from '@/features/secret/payload'
import { load, save } from '@/lib/storage'
import { useAuthStore } from './auth'

// Long enough to coalesce a burst of keystrokes into one localStorage write, short enough
// that a reload right after typing rarely loses anything (pagehide flushes the rest).
export const DRAFT_SAVE_DELAY_MS = 300
const DRAFTS_KEY = 'drafts'

export type AttachmentStatus = 'preparing' | 'uploading' | 'done' | 'error'

export interface PendingAttachment {
  /** Local id, for keys and removal; the server's id is in `result`. */
  key: string
  name: string
  mime: string
  /** Bytes to upload: after compression once that is done. */
  size: number
  isImage: boolean
  /** Object URL of the local file, for the thumbnail; revoked on removal. */
  previewUrl: string | null
  status: AttachmentStatus
  /** Upload progress, 0..1. */
  progress: number
  error: string | null
  result: Upload | null
  /** The file as picked, and what is uploaded (compressed), kept for a retry. */
  file: File
  blob: Blob | null
  controller: AbortController
  /** A secret chat's file: encrypted before upload; `secret` then says how to open it. */
  seal?: boolean
  secret?: SecretAttachment | null
}

function loadDrafts(): Map<number, string> {
  const stored = load<unknown>(DRAFTS_KEY, {})
  const map = new Map<number, string>()
  if (typeof stored !== 'object' || stored === null) return map
  for (const [key, value] of Object.entries(stored as Record<string, unknown>)) {
    const id = Number(key)
    if (Number.isInteger(id) && typeof value === 'string' && value) map.set(id, value)
  }
  return map
}

function release(item: PendingAttachment): void {
  item.controller.abort()
  if (item.previewUrl) URL.revokeObjectURL(item.previewUrl)
  item.previewUrl = null
}

export const useComposerStore = defineStore('composer', () => {
  const replyTo = reactive(new Map<number, Message>())
  /** Bumped to ask the composer of a chat to take focus (after "Reply"). */
  const focusTick = reactive(new Map<number, number>())
  const drafts = reactive(loadDrafts())
  const attachments = reactive(new Map<number, PendingAttachment[]>())
  const dirty = new Set<number>()
  let saveTimer: ReturnType<typeof setTimeout> | null = null

  function setReply(chatId: number, message: Message | null): void {
    // A reply and an edit do not mix: replying ends the edit (its text was not saved).
    if (message) editing.delete(chatId)
    if (message) replyTo.set(chatId, message)
    else replyTo.delete(chatId)
    focusTick.set(chatId, (focusTick.get(chatId) ?? 0) + 1)
  }

  /** The message being edited in a chat's composer (its menu's "Edit", or Arrow Up): the
   *  composer shows its text instead of the draft, which comes back when the edit ends. */
  const editing = reactive(new Map<number, Message>())
  function startEdit(chatId: number, message: Message): void {
    replyTo.delete(chatId)
    editing.set(chatId, message)
    focusTick.set(chatId, (focusTick.get(chatId) ?? 0) + 1)
  }
  function endEdit(chatId: number): void {
    editing.delete(chatId)
  }

  function draft(chatId: number): string {
    return drafts.get(chatId) ?? ''
  }

  function setDraft(chatId: number, text: string): void {
    if (text.trim()) drafts.set(chatId, text)
    else if (drafts.has(chatId)) drafts.delete(chatId)
    else return
    dirty.add(chatId)
    if (saveTimer !== null) clearTimeout(saveTimer)
    saveTimer = setTimeout(flushDrafts, DRAFT_SAVE_DELAY_MS)
  }

  /** Write the drafts changed since the last write. Only those: another tab's drafts for
   *  other chats stay, and after a sign-out (storage cleared) nothing old comes back. */
  function flushDrafts(): void {
    if (saveTimer !== null) clearTimeout(saveTimer)
    saveTimer = null
    if (!dirty.size) return
    const stored = loadDrafts()
    for (const chatId of dirty) {
      const text = drafts.get(chatId)
      if (text === undefined) stored.delete(chatId)
      else stored.set(chatId, text)
    }
    dirty.clear()
    save(DRAFTS_KEY, stored.size ? Object.fromEntries(stored) : null)
  }

  /** The chat's attachment list (created on first use), reactive. */
  function attachmentsOf(chatId: number): PendingAttachment[] {
    let list = attachments.get(chatId)
    if (!list) {
      attachments.set(chatId, [])
      list = attachments.get(chatId) ?? []
    }
    return list
  }

  /** Abort the upload if it is still running and free the thumbnail. */
  function removeAttachment(chatId: number, key: string): void {
    const list = attachments.get(chatId)
    const index = list?.findIndex((a) => a.key === key) ?? -1
    if (!list || index < 0) return
    const [item] = list.splice(index, 1)
    if (item) release(item)
    if (!list.length) attachments.delete(chatId)
  }

  function clearAttachments(chatId: number): void {
    for (const item of attachments.get(chatId) ?? []) release(item)
    attachments.delete(chatId)
  }

  /** Forget everything (sign-out): nothing of one account may show up for the next. */
  function reset(): void {
    for (const chatId of [...attachments.keys()]) clearAttachments(chatId)
    replyTo.clear()
    editing.clear()
    focusTick.clear()
    for (const chatId of drafts.keys()) dirty.add(chatId)
    drafts.clear()
    flushDrafts()
  }

  if (typeof window !== 'undefined') window.addEventListener('pagehide', flushDrafts)
  // Signed out (by the user or by a refused token): drop this account's drafts and files.
  watch(() => useAuthStore().token, (token) => { if (token === null) reset() })

  /** Files dropped on the chat outside the composer, for the composer to take. */
  const dropped = reactive(new Map<number, File[]>())
  function handOff(chatId: number, files: File[]): void {
    dropped.set(chatId, [...(dropped.get(chatId) ?? []), ...files])
  }

  return {
    dropped,
    handOff,
    replyTo,
    editing,
    startEdit,
    endEdit,
    focusTick,
    drafts,
    attachments,
    setReply,
    draft,
    setDraft,
    flushDrafts,
    attachmentsOf,
    removeAttachment,
    clearAttachments,
    reset,
  }
})
