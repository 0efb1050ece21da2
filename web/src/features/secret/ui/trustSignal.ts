// Non-lazy and tiny: the realtime handlers say here that a secret chat's devices may have
// changed (an e2ee:commit or e2ee:devices_revoked was applied), without loading the engine or
// the verification UI. The open chat's trust state watches the counter and re-reads the
// identities (trust.ts).
import { shallowReactive } from 'vue'

const bumps = shallowReactive(new Map<number, number>())

/** Called after an e2ee:commit or e2ee:devices_revoked for `chatId` was handled. */
export function identitiesMayHaveChanged(chatId: number): void {
  bumps.set(chatId, (bumps.get(chatId) ?? 0) + 1)
}

/** A number that changes each time the chat's devices may have changed (reactive). */
export function identitiesVersion(chatId: number): number {
  return bumps.get(chatId) ?? 0
}
