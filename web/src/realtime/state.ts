// What the live connection shares with the rest of the app: its state, the client itself
// and the server's settings from the `ready` frame. A leaf module (no stores, no features):
// anything may import it without an import cycle (features/calls/deps.ts once reached the
// socket through sync.ts, which imports the handlers, which import the call store).
import { ref } from 'vue'
import type { ClientConfig } from '@/api/types'
import type { ConnectionState, RealtimeClient } from './client'

export const connection = ref<ConnectionState>('idle')

let current: RealtimeClient | null = null

/** The socket while signed in (set by realtime/sync.ts), else null. */
export function realtime(): RealtimeClient | null {
  return current
}

export function setRealtime(client: RealtimeClient | null): void {
  current = client
}

/** The server's settings from the last `ready` frame (edit window, limits…); null before
 *  the first one. Read through `setting()` where a default will do until then. */
export const config = ref<ClientConfig | null>(null)

/** The server's own defaults, used until the first `ready` says what this server uses. */
export const DEFAULT_CONFIG: Readonly<ClientConfig> = {
  typingTtlSeconds: 6,
  callGraceSeconds: 10,
  historyPageSize: 50,
  editWindowSeconds: 48 * 3600,
  maxMessageLength: 4096,
  maxAttachments: 10,
  maxPinnedChats: 5,
}

/** One of the server's settings (never a constant copied into the client: an operator's
 *  change reaches every client on its next connect). */
export function setting<K extends keyof ClientConfig>(key: K): ClientConfig[K] {
  return config.value?.[key] ?? DEFAULT_CONFIG[key]
}
