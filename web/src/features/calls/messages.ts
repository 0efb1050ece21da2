// What the user is told when a call ends without them pressing "Hang up". Silence for the
// ordinary endings: the chat gets a system message for those (calls.md §6).
import { errorText } from '@/api/http'
import { CommandError } from '@/realtime/client'
import type { EndReason } from './machine'

export interface EndText {
  title: string
  body: string
}

export function endMessage(reason: EndReason, caller: boolean, error?: unknown): EndText | null {
  switch (reason) {
    case 'media-denied':
      return { title: 'Call', body: 'Access to the microphone or camera was denied. Allow it in the browser’s site settings and try again.' }
    case 'media-unavailable':
      return { title: 'Call', body: 'No microphone or camera could be used (missing, or busy in another app).' }
    case 'busy':
      return { title: 'Call', body: 'The person you called is on another call.' }
    case 'declined':
      return caller ? { title: 'Call', body: 'The call was declined.' } : null
    case 'missed':
      return caller ? { title: 'Call', body: 'No answer.' } : null
    case 'connection-failed':
      return { title: 'Call', body: 'The connection was lost.' }
    case 'disconnected':
      return { title: 'Call', body: 'The call ended: the connection to the server was lost.' }
    case 'answered-elsewhere':
      return { title: 'Call', body: 'You answered on another device.' }
    case 'rejected': {
      const body = error instanceof CommandError ? error.message : errorText(error, 'The call could not be set up.')
      return { title: 'Call', body }
    }
    case 'cancelled':
    case 'hangup':
      return null
  }
}
