// What the secret-chat message code reaches outside itself: the crypto engine (B1's lazy
// chunk) and the socket. Swapped in tests for a fake engine and a fake server.
import type { CommandData, CommandReply, CommandType } from '@/api/types'
import { realtime } from '@/realtime/state'
import { t } from '@/i18n'
import { loadEngine, type SecretEngine } from './index'

export interface SecretDeps {
  engine: () => Promise<SecretEngine>
  command: <T extends CommandType>(type: T, data: CommandData<T>) => Promise<CommandReply<T>>
  now: () => number
}

const defaults: SecretDeps = {
  engine: loadEngine,
  command: (type, data) => {
    const client = realtime()
    return client ? client.command(type, data) : Promise.reject(new Error(t('common.notConnected')))
  },
  now: () => Date.now(),
}

export const deps: SecretDeps = { ...defaults }

/** Tests: replace some dependencies; `restoreSecretDeps` puts the real ones back. */
export function setSecretDeps(partial: Partial<SecretDeps>): void {
  Object.assign(deps, partial)
}

export function restoreSecretDeps(): void {
  Object.assign(deps, defaults)
}

/** The sender's own plaintext, which MLS cannot decrypt on the device that encrypted it,
 *  kept by the engine under the message's id across reloads. */
export async function rememberOwn(chatId: number, messageId: number, plaintext: Uint8Array, version: string): Promise<void> {
  await (await deps.engine()).remember(chatId, messageId, plaintext, version || undefined)
}
