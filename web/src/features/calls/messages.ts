// What the user is told when a call ends without them pressing "Hang up". Silence for the
// ordinary endings: the chat gets a system message for those (calls.md §6).
import { errorText } from '@/api/http'
import { CommandError } from '@/realtime/client'
import type { EndReason } from './machine'
import { t } from '@/i18n'

export interface EndText {
  title: string
  body: string
}

export function endMessage(reason: EndReason, caller: boolean, error?: unknown): EndText | null {
  switch (reason) {
    case 'media-denied':
      return { title: t('calls.call'), body: t('calls.mediaDenied') }
    case 'media-unavailable':
      return { title: t('calls.call'), body: t('calls.mediaUnavailable') }
    case 'busy':
      return { title: t('calls.call'), body: t('calls.busy') }
    case 'declined':
      return caller ? { title: t('calls.call'), body: t('calls.declined') } : null
    case 'missed':
      return caller ? { title: t('calls.call'), body: t('calls.noAnswer') } : null
    case 'connection-failed':
      return { title: t('calls.call'), body: t('common.connectionLost') }
    case 'disconnected':
      return { title: t('calls.call'), body: t('calls.serverLost') }
    case 'answered-elsewhere':
      return { title: t('calls.call'), body: t('calls.answeredElsewhere') }
    case 'rejected': {
      const body = error instanceof CommandError ? error.message : errorText(error, t('calls.setupFailed'))
      return { title: t('calls.call'), body }
    }
    case 'cancelled':
    case 'hangup':
    case 'left-chat': // chat:removed already says so, in the chat pane or in a toast
    case 'removed': // the server's own event (ended, removed, answered elsewhere) says why
      return null
  }
}
