// The composer's edit mode: the message's text replaces the draft while it is edited
// (the draft comes back when the edit ends), Enter saves through `message:edit`, Esc or
// the bar's ✕ cancels, Arrow Up in an empty composer edits the last own message.
import { computed, ref, watch, type Ref } from 'vue'
import { config, realtime } from '@/realtime/sync'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { useComposerStore } from '@/stores/composer'
import { useMessagesStore } from '@/stores/messages'
import { lastEditable } from '../actions/permissions'
import { present } from '@/features/secret/present'
import { editSecret } from '@/features/secret/send'
import { t } from '@/i18n'

export function useEdit(chatId: () => number, text: Ref<string>) {
  const composer = useComposerStore()
  const messages = useMessagesStore()
  const chats = useChatsStore()
  const auth = useAuthStore()
  const editing = computed(() => composer.editing.get(chatId()) ?? null)
  /** The server's refusal (edit_expired…), as it says it. */
  const error = ref<string | null>(null)
  const saving = ref(false)

  watch(
    editing,
    (message, old) => {
      error.value = null
      // A secret chat's message: its decrypted text (the stored content is ciphertext).
      if (message) text.value = present(message).content
      else if (old) text.value = composer.draft(chatId())
    },
    { immediate: true },
  )

  function cancel(): void {
    composer.endEdit(chatId())
  }

  /** Arrow Up in an empty composer: false when there is nothing of one's own to edit. */
  function editLast(): boolean {
    const me = auth.user?.id ?? 0
    const found = lastEditable(messages.timeline(chatId()).messages, me, config.value?.editWindowSeconds ?? null)
    if (found) composer.startEdit(chatId(), present(found))
    return found !== null
  }

  async function save(content: string): Promise<void> {
    const message = editing.value
    if (!message || saving.value) return
    const id = chatId()
    // Nothing changed: the server would answer with the same message, and no mark.
    if (content === present(message).content.trim()) {
      cancel()
      return
    }
    const client = realtime()
    if (!client) {
      error.value = t('common.notConnected')
      return
    }
    saving.value = true
    error.value = null
    try {
      const updated = chats.byId.get(id)?.secret
        ? await editSecret(message, content)
        : await client.command('message:edit', { messageId: message.id, content })
      messages.update(updated)
      chats.applyEdited(updated)
      if (composer.editing.get(id)?.id === message.id) composer.endEdit(id)
    } catch (e) {
      error.value = e instanceof Error ? e.message : t('common.tryAgain')
    } finally {
      saving.value = false
    }
  }

  /** Esc (while editing) and Arrow Up (in an empty composer); true when handled. */
  function onKey(e: KeyboardEvent): boolean {
    if (e.key === 'Escape' && editing.value) cancel()
    else if (e.key === 'ArrowUp' && !e.shiftKey && text.value === '' && !editing.value && editLast()) {
      // handled: the composer now holds that message's text
    } else return false
    e.preventDefault()
    return true
  }

  return { editing, error, saving, cancel, editLast, save, onKey }
}
