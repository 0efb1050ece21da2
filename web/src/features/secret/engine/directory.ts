// The chat's device directory (GET /api/e2ee/chats/{id}) and the AuthenticationService built
// on it (docs/e2ee.md §3): ts-mls's default accepts every credential, this one only a basic
// credential "<userId>:<deviceId>" that the directory lists with exactly that signature key.
import type { AuthenticationService } from 'ts-mls'
import { b64 } from './bytes'
import type { DeliveryService, SecretGroup } from './ds'
import { identityText } from './mls'

export class Directory {
  private readonly cache = new Map<number, SecretGroup>()

  constructor(private readonly ds: DeliveryService) {}

  /** The directory as the server says now (and remembered for credential checks). */
  async fresh(chatId: number): Promise<SecretGroup> {
    const group = await this.ds.group(chatId)
    this.cache.set(chatId, group)
    return group
  }

  private vouches(group: SecretGroup | undefined, identity: string, key: string): boolean {
    return group?.devices.some((d) => d.identity === identity && d.signatureKey === key) ?? false
  }

  authService(chatId: number): AuthenticationService {
    return {
      validateCredential: async (credential, signaturePublicKey) => {
        const identity = identityText(credential)
        if (!identity) return false
        const key = b64(signaturePublicKey)
        if (this.vouches(this.cache.get(chatId), identity, key)) return true
        // A device registered since the directory was read: ask once more.
        return this.vouches(await this.fresh(chatId), identity, key)
      },
    }
  }

  forget(): void {
    this.cache.clear()
  }
}
