// The engine's local database (docs/e2ee.md §7): a few key-value tables. The browser keeps it
// in IndexedDB (values by structured clone, so CryptoKeys stay non-extractable); tests use the
// in-memory one. Secret bytes are sealed by the vault before they get here.

export type Table = 'meta' | 'keyPackages' | 'groups' | 'plaintexts' | 'sent'
export const TABLES: readonly Table[] = ['meta', 'keyPackages', 'groups', 'plaintexts', 'sent']

/** One write of a batch: a value to store under the key, or `undefined` to delete it. */
export interface Write {
  table: Table
  key: string
  value: unknown
}

export interface SecretStore {
  get<T>(table: Table, key: string): Promise<T | undefined>
  /** All writes land together or none does (one IndexedDB transaction). */
  write(writes: Write[]): Promise<void>
  keys(table: Table): Promise<string[]>
  /** Sign-out: delete the whole database. */
  destroy(): Promise<void>
}

export class MemoryStore implements SecretStore {
  private readonly tables = new Map<Table, Map<string, unknown>>(TABLES.map((t) => [t, new Map()]))

  private table(name: Table): Map<string, unknown> {
    const table = this.tables.get(name)
    if (!table) throw new Error(`no table ${name}`)
    return table
  }

  get<T>(table: Table, key: string): Promise<T | undefined> {
    return Promise.resolve(this.table(table).get(key) as T | undefined)
  }

  write(writes: Write[]): Promise<void> {
    for (const w of writes) {
      if (w.value === undefined) this.table(w.table).delete(w.key)
      else this.table(w.table).set(w.key, w.value)
    }
    return Promise.resolve()
  }

  keys(table: Table): Promise<string[]> {
    return Promise.resolve([...this.table(table).keys()])
  }

  destroy(): Promise<void> {
    for (const table of this.tables.values()) table.clear()
    return Promise.resolve()
  }
}

function done(request: IDBRequest): Promise<unknown> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB request failed')) }
  })
}

function open(name: string): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(name, 1)
    request.onupgradeneeded = () => {
      for (const table of TABLES) request.result.createObjectStore(table)
    }
    request.onsuccess = () => { resolve(request.result) }
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB open failed')) }
    request.onblocked = () => { reject(new Error('IndexedDB open blocked by another tab')) }
  })
}

export class IndexedDbStore implements SecretStore {
  private db: Promise<IDBDatabase> | null = null

  constructor(private readonly name: string) {}

  private database(): Promise<IDBDatabase> {
    this.db ??= open(this.name).then((db) => {
      // Another tab deleting the database (its sign-out) must not wait on this connection.
      db.onversionchange = () => { db.close(); this.db = null }
      return db
    })
    return this.db
  }

  async get<T>(table: Table, key: string): Promise<T | undefined> {
    const db = await this.database()
    return (await done(db.transaction(table, 'readonly').objectStore(table).get(key))) as T | undefined
  }

  async write(writes: Write[]): Promise<void> {
    if (writes.length === 0) return
    const db = await this.database()
    const tx = db.transaction([...new Set(writes.map((w) => w.table))], 'readwrite')
    for (const w of writes) {
      const table = tx.objectStore(w.table)
      if (w.value === undefined) table.delete(w.key)
      else table.put(w.value, w.key)
    }
    await new Promise<void>((resolve, reject) => {
      tx.oncomplete = () => { resolve() }
      tx.onerror = () => { reject(tx.error ?? new Error('IndexedDB write failed')) }
      tx.onabort = () => { reject(tx.error ?? new Error('IndexedDB write aborted')) }
    })
  }

  async keys(table: Table): Promise<string[]> {
    const db = await this.database()
    return (await done(db.transaction(table, 'readonly').objectStore(table).getAllKeys())) as string[]
  }

  async destroy(): Promise<void> {
    if (this.db) (await this.db.catch(() => null))?.close()
    this.db = null
    await deleteDatabase(this.name)
  }
}

export function deleteDatabase(name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.deleteDatabase(name)
    request.onsuccess = () => { resolve() }
    request.onerror = () => { reject(request.error ?? new Error('IndexedDB delete failed')) }
    // Blocked: another tab still has it open; it closes on versionchange, then this succeeds.
    request.onblocked = () => undefined
  })
}
