// The handle provider (docs/e2ee.md §1): ts-mls's default WebCrypto provider, except that
// signing goes through a map of non-extractable Ed25519 CryptoKeys. What ts-mls keeps in its
// group state and private key packages as `signaturePrivateKey` is a random 32-byte handle
// into that map, never key material, so nothing ts-mls serialises can sign anything.
import {
  defaultCryptoProvider,
  getCiphersuiteFromName,
  getCiphersuiteImpl,
  type CiphersuiteImpl,
  type CryptoProvider,
} from 'ts-mls'
import { b64, buf } from './bytes'

/** RFC 9420's mandatory suite and the only one the server accepts (docs/e2ee.md §1). */
export const SUITE = 'MLS_128_DHKEMX25519_AES128GCM_SHA256_Ed25519' as const

/** The signing keys this engine may use, by handle. */
export class KeyRing {
  private readonly keys = new Map<string, CryptoKey>()

  add(handle: Uint8Array, key: CryptoKey): void {
    this.keys.set(b64(handle), key)
  }

  get(handle: Uint8Array): CryptoKey | undefined {
    return this.keys.get(b64(handle))
  }

  clear(): void {
    this.keys.clear()
  }
}

export function handleProvider(ring: KeyRing): CryptoProvider {
  return {
    async getCiphersuiteImpl(cs) {
      const impl = await defaultCryptoProvider.getCiphersuiteImpl(cs)
      return {
        ...impl,
        signature: {
          verify: (publicKey, message, signature) => impl.signature.verify(publicKey, message, signature),
          async sign(handle, message) {
            // An unknown handle must fail, never fall through to the default provider, which
            // would take 32 bytes for a raw private key.
            const key = ring.get(handle)
            if (!key) throw new Error('secret engine: unknown signing key handle')
            return new Uint8Array(await crypto.subtle.sign('Ed25519', key, buf(message)))
          },
          keygen() {
            // Only generateKeyPackage (never called here) makes signature keys in ts-mls.
            return Promise.reject(new Error('secret engine: signature keys are made by the engine'))
          },
        },
      }
    },
  }
}

export function loadSuite(ring: KeyRing): Promise<CiphersuiteImpl> {
  return getCiphersuiteImpl(getCiphersuiteFromName(SUITE), handleProvider(ring))
}

export interface IdentityKey {
  privateKey: CryptoKey
  publicKey: Uint8Array
  handle: Uint8Array
}

/** A new device identity: a non-extractable Ed25519 key (the public half is readable). */
export async function newIdentityKey(): Promise<IdentityKey> {
  const pair = await crypto.subtle.generateKey('Ed25519', false, ['sign', 'verify'])
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  return { privateKey: pair.privateKey, publicKey, handle: crypto.getRandomValues(new Uint8Array(32)) }
}
