// A stand-in for the crypto engine in the secret chat UI's tests: identities() answers
// from a list the test sets (the real engine reads them from the server's directory).
import { vi } from 'vitest'
import type { DeviceIdentity, SecretEngine } from '../index'

export const directory: { identities: DeviceIdentity[] } = { identities: [] }

/** A 32-byte key, base64, every byte `fill`. */
export function key(fill: number): string {
  return btoa(String.fromCharCode(...new Array<number>(32).fill(fill)))
}

export function device(userId: number, deviceId: string, fill: number): DeviceIdentity {
  return { userId, deviceId, signatureKey: key(fill) }
}

const unused = (): Promise<never> => Promise.reject(new Error('not in these tests'))

export const fakeEngine: SecretEngine = {
  ensureDevice: unused,
  openChat: unused,
  encrypt: unused,
  decrypt: unused,
  remember: unused,
  peek: unused,
  handleEvent: unused,
  devicesChanged: unused,
  identities: vi.fn(() => Promise.resolve([...directory.identities])),
  forget: unused,
  wipe: unused,
}
