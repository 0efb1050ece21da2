// Sealing what ts-mls needs to read (group states, key packages' private halves, decrypted
// history) under a non-extractable AES-GCM key kept in the same database (docs/e2ee.md §7):
// out of backups and raw reads of the database files, not out of reach of code in the page.
import { buf, utf8 } from './bytes'
import type { SecretStore, Table } from './store'

export interface Sealed {
  iv: Uint8Array
  data: Uint8Array
}

export class Vault {
  private constructor(private readonly key: CryptoKey) {}

  /** The database's storage key, made on first use. */
  static async open(store: SecretStore): Promise<Vault> {
    let key = await store.get<CryptoKey>('meta', 'storageKey')
    if (!key) {
      key = await crypto.subtle.generateKey({ name: 'AES-GCM', length: 256 }, false, ['encrypt', 'decrypt'])
      await store.write([{ table: 'meta', key: 'storageKey', value: key }])
    }
    return new Vault(key)
  }

  /** Bound to where it is stored, so a record moved to another key does not open. */
  private static aad(table: Table, key: string): Uint8Array<ArrayBuffer> {
    return buf(utf8(`${table}/${key}`))
  }

  async seal(table: Table, key: string, plain: Uint8Array): Promise<Sealed> {
    const iv = crypto.getRandomValues(new Uint8Array(12))
    const data = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: Vault.aad(table, key) },
      this.key,
      buf(plain),
    )
    return { iv, data: new Uint8Array(data) }
  }

  async open(table: Table, key: string, sealed: Sealed): Promise<Uint8Array> {
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: buf(sealed.iv), additionalData: Vault.aad(table, key) },
      this.key,
      buf(sealed.data),
    )
    return new Uint8Array(plain)
  }
}
