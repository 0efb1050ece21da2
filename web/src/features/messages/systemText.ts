// The text of a `system` message in the interface language. The server writes an English
// sentence into `content` and what happened into `meta` (event, actor, people, names); the
// client composes the sentence again from `meta`, with today's names. Anything it does not
// know (an event from a newer server, a person it has never seen) falls back to `content`.
// Names and quotes are isolated (lib/bidi.ts): show the sentence with BidiText.
import type { Message } from '@/api/types'
import { timerText } from '@/features/secret/ui/timer'
import { t } from '@/i18n'
import { isolate } from '@/lib/bidi'
import { useUsersStore } from '@/stores/users'

type Meta = Record<string, unknown>
type Names = (ids: unknown) => string | null

function duration(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const mm = String(Math.floor(seconds / 60) % 60).padStart(h > 0 ? 2 : 1, '0')
  const ss = String(seconds % 60).padStart(2, '0')
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`
}

function callText(meta: Meta): string | null {
  const call = meta.call as { media?: unknown; outcome?: unknown; durationSeconds?: unknown } | undefined
  if (!call || (call.media !== 'audio' && call.media !== 'video')) return null
  const video = call.media === 'video'
  switch (call.outcome) {
    case 'answered':
      return typeof call.durationSeconds === 'number'
        ? t(video ? 'system.videoAnswered' : 'system.audioAnswered', { duration: duration(call.durationSeconds) })
        : null
    case 'declined': return t(video ? 'system.videoDeclined' : 'system.audioDeclined')
    case 'busy': return t(video ? 'system.videoBusy' : 'system.audioBusy')
    case 'missed': return t(video ? 'system.videoMissed' : 'system.audioMissed')
    default: return t(video ? 'system.videoCancelled' : 'system.audioCancelled')
  }
}

/** "«text»", "a photo", … after "Alice pinned " in the server's sentence. */
function pinText(actor: string, content: string): string | null {
  const quote = /«(.*)»$/s.exec(content)
  if (quote) return t('system.pinnedQuote', { actor, text: isolate(quote[1] ?? '') })
  if (content.endsWith(' a photo')) return t('system.pinnedPhoto', { actor })
  if (content.endsWith(' a file')) return t('system.pinnedFile', { actor })
  if (content.endsWith(' a voice message')) return t('system.pinnedVoice', { actor })
  if (content.endsWith(' a video')) return t('system.pinnedVideo', { actor })
  return t('system.pinnedMessage', { actor })
}

function compose(message: Message, names: Names): string | null {
  const meta = message.meta
  if (!meta) return null
  if (meta.event === 'call') return callText(meta)
  const actor = names([meta.actorId])
  if (actor === null) return null
  const people = names(meta.userIds)
  switch (meta.event) {
    case 'group_created': return typeof meta.name === 'string' ? t('system.created', { actor, name: isolate(meta.name) }) : created(message.content, actor)
    case 'members_added': return people === null ? null : t('system.added', { actor, names: people })
    case 'member_left': return t('system.left', { actor })
    case 'member_joined': return t('system.joined', { actor })
    case 'member_removed': return people === null ? null : t('system.removed', { actor, name: people })
    case 'role_changed':
      if (people === null) return null
      return t(meta.role === 'admin' ? 'system.madeAdmin' : 'system.madeMember', { actor, name: people })
    case 'group_renamed': return typeof meta.name === 'string' ? t('system.renamed', { actor, name: isolate(meta.name) }) : null
    case 'message_pinned': return pinText(actor, message.content)
    case 'self_destruct': return timerNote(actor, meta.seconds)
    default: return null
  }
}

/** A secret chat's self-destruct timer set (seconds) or turned off (null). */
function timerNote(actor: string, seconds: unknown): string | null {
  if (seconds === null) return t('system.timerOff', { actor })
  return typeof seconds === 'number' && seconds > 0 ? t('system.timerSet', { actor, time: timerText(seconds) }) : null
}

// The group's name at creation is only in the sentence: «…» at its end.
function created(content: string, actor: string): string | null {
  const name = /«(.*)»$/s.exec(content)?.[1]
  return name === undefined ? null : t('system.created', { actor, name: isolate(name) })
}

export function systemText(message: Message): string {
  const users = useUsersStore()
  const names: Names = (ids) => {
    if (!Array.isArray(ids) || ids.length === 0) return null
    const found = ids.map((id) => (typeof id === 'number' ? users.byId.get(id)?.displayName : undefined))
    return found.every((n) => n !== undefined) ? found.map(isolate).join(', ') : null
  }
  return compose(message, names) ?? message.content
}
