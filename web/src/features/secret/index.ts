// Secret chats' crypto engine (issue 15, docs/e2ee.md): the only non-lazy piece. The engine and
// ts-mls live in a lazy chunk loaded on first use (a secret chat opened or an e2ee:* event), so
// the initial JavaScript stays within its budget. Import types from here, never from ./engine.

export type DecryptResult =
  | { ok: true; plaintext: Uint8Array; senderUserId: number; senderDeviceId: string }
  | { ok: false; reason: 'before_join' | 'undecryptable' | 'tampered' }

/** Device ids are the server's strings (secrets.token_urlsafe), not numbers. */
export interface DeviceIdentity {
  userId: number
  deviceId: string
  /** Ed25519 public key, standard base64. */
  signatureKey: string
}

export type E2eeEventName = 'e2ee:commit' | 'e2ee:welcome' | 'e2ee:devices_revoked' | 'e2ee:device_added'

export interface SecretEngine {
  /** Register this session's device (once), top up key packages. Idempotent. */
  ensureDevice(): Promise<{ deviceId: string }>
  /** Make this device's group state current for the chat: found (epoch 0), join from a
   *  Welcome, catch up on commits, and commit pending adds/removes (directory diff). */
  openChat(chatId: number): Promise<void>
  /** Encrypt for message:send / message:edit `content` (base64 MLSMessage). Commits pending
   *  removals first. */
  encrypt(chatId: number, plaintext: Uint8Array): Promise<string>
  /** Decrypt a message's content; cached by messageId (and version) in the encrypted local
   *  store (MLS decrypts a message only once per device), so calling it again returns the same
   *  result. `version`: the message's editedAt (or another version key) so a new ciphertext for
   *  the same id is decrypted and re-cached. */
  decrypt(chatId: number, messageId: number, content: string, version?: string): Promise<DecryptResult>
  /** Keep this device's own message under its id (after the ack of a send or an edit): a device
   *  cannot decrypt what it sent itself. decrypt() also finds own messages without this (the
   *  engine keeps what it encrypted by the ciphertext's hash), so this is a shortcut. */
  remember(chatId: number, messageId: number, plaintext: Uint8Array, version?: string): Promise<void>
  /** The cached outcome of a message this device has decrypted (or sent) before, or null: reads
   *  the local store only, never MLS. For the chat list's previews: opening a chat's newest
   *  message ahead of the ones before it would spend ratchet keys out of order (docs/e2ee.md §10). */
  peek(chatId: number, messageId: number, version?: string): Promise<DecryptResult | null>
  /** The e2ee:* realtime events (docs/protocol.md). */
  handleEvent(name: E2eeEventName, data: unknown): Promise<void>
  /** The devices the chat's group should hold may have changed (a member joined or left, a
   *  device was added or revoked): if this device is in the group, commit the directory's
   *  difference (the first device in line at once, the others later if it is still pending).
   *  Nothing if this device is not in the group. */
  devicesChanged(chatId: number): Promise<void>
  /** Identity keys of every live device of each member (GET /api/e2ee/chats/{id}), for safety
   *  numbers and key-change warnings. */
  identities(chatId: number): Promise<DeviceIdentity[]>
  /** Forget a message locally (delete, self-destruct). */
  forget(chatId: number, messageId: number): Promise<void>
  /** Sign-out: delete the whole local database. */
  wipe(): Promise<void>
}

/** The engine's IndexedDB database (one per browser profile: signing out deletes it). */
export const SECRET_DB_NAME = 'shomik-secret'

/** What encrypt() throws when this device cannot send yet: its group membership is pending
 *  (nobody has added it, or the group is not founded because it is offline). */
export class SecretEngineError extends Error {
  constructor(
    readonly code: 'not_in_group',
    message: string,
  ) {
    super(message)
    this.name = 'SecretEngineError'
  }
}

let loading: Promise<SecretEngine> | null = null

/** The engine for the signed-in session, loaded (and created) once. */
export function loadEngine(): Promise<SecretEngine> {
  loading ??= import('./engine').then((m) => m.createBrowserEngine()).catch((error: unknown) => {
    loading = null // a failed chunk load (offline) may succeed later
    throw error
  })
  return loading
}

/** Whether the engine has been loaded this page life (sign-out need not load it to wipe). */
export function engineLoaded(): boolean {
  return loading !== null
}

/** Sign-out: delete this device's keys and decrypted history (docs/e2ee.md §7), through the
 *  engine if it is loaded, else straight from IndexedDB without loading the crypto code. */
export async function wipeSecrets(): Promise<void> {
  const engine = loading
  loading = null
  if (engine) {
    await (await engine.catch(() => null))?.wipe()
    return
  }
  if (typeof indexedDB === 'undefined') return
  await new Promise<void>((resolve) => {
    const request = indexedDB.deleteDatabase(SECRET_DB_NAME)
    request.onsuccess = () => { resolve() }
    request.onerror = () => { resolve() }
    request.onblocked = () => { resolve() }
  })
}

/** Register this session's device (and publish key packages) ahead of need: a secret chat
 *  appeared, so the members' devices that exist when it is founded are in it from the start. */
export function prepareSecretDevice(): void {
  loadEngine()
    .then((engine) => engine.ensureDevice())
    .catch((error: unknown) => { console.warn('secret chats: device not registered', error) })
}

/** An e2ee:* realtime event: handed to the engine (loading it on first use), in arrival order
 *  (the engine queues each chat's work). A failure is logged: the next openChat catches up. */
export function onE2eeEvent(name: E2eeEventName, data: unknown): void {
  loadEngine()
    .then((engine) => engine.handleEvent(name, data))
    .catch((error: unknown) => { console.warn(`secret chats: ${name} not applied`, error) })
}

/** A secret chat's members changed (chat:members): the devices in its group commit the
 *  change (adding the newcomers' devices, removing the leavers'). Loads the engine: only
 *  it knows whether this device is in the group, and some device in it must act for the
 *  newcomers to be able to send at all; a device that is not in the group does nothing. */
export function onSecretMembersChanged(chatId: number): void {
  loadEngine()
    .then((engine) => engine.devicesChanged(chatId))
    .catch((error: unknown) => { console.warn('secret chats: member change not committed', error) })
}
