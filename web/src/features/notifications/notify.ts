// What a user hears and sees when a message arrives in a chat they are not looking at:
// a toast with a short sound, or a desktop notification when the tab is hidden.
import type { Chat, Message } from '@/api/types'
import { useAuthStore } from '@/stores/auth'
import { useChatsStore } from '@/stores/chats'
import { isMuted } from '@/stores/chatOrder'
import { mentionsMe } from '@/features/messages/mentions'
import { showUrlControls } from '@/features/messages/format/parse'
import { useUsersStore } from '@/stores/users'
import { useToastsStore } from './toasts'
import { t } from '@/i18n'
import { isolate } from '@/lib/bidi'
import { secretPreview } from '@/features/secret/present'

let audio: AudioContext | null = null

/** A 120 ms two-tone chime, synthesized: no sound file to fetch or cache. */
export function chime(): void {
  try {
    audio ??= new AudioContext()
    const ctx = audio
    const gain = ctx.createGain()
    gain.connect(ctx.destination)
    gain.gain.setValueAtTime(0.0001, ctx.currentTime)
    gain.gain.exponentialRampToValueAtTime(0.15, ctx.currentTime + 0.01)
    gain.gain.exponentialRampToValueAtTime(0.0001, ctx.currentTime + 0.25)
    for (const [freq, at] of [[880, 0], [1320, 0.08]] as const) {
      const osc = ctx.createOscillator()
      osc.frequency.value = freq
      osc.connect(gain)
      osc.start(ctx.currentTime + at)
      osc.stop(ctx.currentTime + at + 0.12)
    }
  } catch {
    // No audio (autoplay policy before any click): the toast is enough.
  }
}

/** A message in one line's worth of words (its URLs' bidi controls shown, as in the bubble). */
export function preview(message: Pick<Message, 'type' | 'content' | 'attachments'>): string {
  if (message.content) return showUrlControls(message.content)
  if (message.type === 'image') return `🖼 ${t('messages.photo')}`
  if (message.type === 'voice') return `🎤 ${t('voice.voiceMessage')}`
  if (message.type === 'video') return `🎬 ${t('voice.video')}`
  const file = message.attachments[0]
  return file ? `📎 ${file.name}` : ''
}

/** Whether a message in a chat not on screen is announced: not in a muted chat, unless it
 *  mentions the user (a mention gets through a mute, as in Telegram). */
export function shouldNotify(message: Message, chat: Pick<Chat, 'settings'> | undefined, meId: number | null): boolean {
  return !chat || !isMuted(chat.settings) || mentionsMe(message, meId)
}

export function notifyMessage(message: Message, viewing: boolean, asked = false): void {
  if (viewing) return
  const chat = useChatsStore().byId.get(message.chatId)
  // Muted: no sound, no toast, no desktop notification.
  if (!shouldNotify(message, chat, useAuthStore().user?.id ?? null)) return
  const users = useUsersStore()
  const sender = message.senderId === null ? undefined : users.byId.get(message.senderId)
  if (message.senderId !== null && !sender && !asked) {
    // A member whose name is not loaded yet (a big group): named once the server says.
    void users.ensure([message.senderId]).then(() => { notifyMessage(message, viewing, true) })
    return
  }
  const who = sender?.displayName ?? t('notify.newMessage')
  // Isolated names: neither can reorder the other or the words between (lib/bidi.ts).
  const title = chat?.type === 'group' ? t('notify.inGroup', { who: isolate(who), group: isolate(chat.name ?? t('common.group')) }) : who
  // A secret chat's text is not decrypted yet when it is announced: never its ciphertext.
  const body = (chat?.secret ? secretPreview(message) : preview(message)).slice(0, 140)
  if (document.visibilityState === 'hidden' && 'Notification' in window && Notification.permission === 'granted') {
    const n = new Notification(title, { body, tag: `chat-${message.chatId}` })
    n.onclick = () => {
      window.focus()
      window.dispatchEvent(new CustomEvent('shomik:open-chat', { detail: message.chatId }))
    }
    return
  }
  // One toast per chat: named by the chat once it stands for several messages.
  const toasts = useToastsStore()
  const collapsed = toasts.toasts.some((t) => t.kind === 'message' && t.chatId === message.chatId)
  toasts.showMessage(message.chatId, collapsed && chat?.type === 'group' ? (chat.name ?? title) : title, body)
  chime()
}

/** Ask once, from a user gesture (browsers ignore requests made without one). */
export async function askNotificationPermission(): Promise<NotificationPermission | 'unsupported'> {
  if (!('Notification' in window)) return 'unsupported'
  if (Notification.permission !== 'default') return Notification.permission
  return await Notification.requestPermission()
}
