// This session's device (docs/e2ee.md §3, §4 "Publishing key packages"): its identity key in
// the database, its registration, and its key packages, whose private halves stay here.
import {
  defaultCapabilities,
  defaultLifetime,
  generateKeyPackageWithKey,
  type CiphersuiteImpl,
  type KeyPackage,
  type PrivateKeyPackage,
} from 'ts-mls'
import { b64, fromUtf8, unb64, utf8 } from './bytes'
import { isApiError, type DeliveryService } from './ds'
import { decodeKeyPackage, keyPackageRef, keyPackageWire } from './mls'
import { newIdentityKey, type IdentityKey, type KeyRing } from './provider'
import type { SecretStore, Table, Write } from './store'
import type { Sealed, Vault } from './vault'

/** Publish more when the server holds fewer than this many unused key packages... */
export const KEY_PACKAGES_LOW = 20
/** ...up to this many (one request carries at most 30). */
export const KEY_PACKAGES_TARGET = 30

export interface DeviceInfo {
  deviceId: string
  userId: number
  identity: string
  handle: Uint8Array
  publicKey: Uint8Array
}

interface StoredIdentity extends IdentityKey {
  deviceId: string | null
}

export interface OwnKeyPackage {
  publicPackage: KeyPackage
  privatePackage: PrivateKeyPackage
}

export class Devices {
  constructor(
    private readonly store: SecretStore,
    private readonly vault: Vault,
    private readonly ring: KeyRing,
    private readonly cs: CiphersuiteImpl,
    private readonly ds: DeliveryService,
  ) {}

  /** Register (once), and top up key packages. */
  async ensure(): Promise<DeviceInfo> {
    let identity = await this.identity()
    let device
    try {
      device = await this.ds.registerDevice(b64(identity.publicKey))
    } catch (error) {
      // This key is another session's device (signed out here without wiping): start afresh.
      if (!isApiError(error, 'key_in_use')) throw error
      await this.reset()
      identity = await this.identity()
      device = await this.ds.registerDevice(b64(identity.publicKey))
    }
    if (identity.deviceId !== device.deviceId) {
      // Groups and key packages of an earlier device id are of no use to this one.
      if (identity.deviceId !== null) await this.dropDeviceState()
      identity = { ...identity, deviceId: device.deviceId }
      await this.store.write([{ table: 'meta', key: 'identity', value: identity }])
    }
    const info: DeviceInfo = {
      deviceId: device.deviceId,
      userId: device.userId,
      identity: device.identity,
      handle: identity.handle,
      publicKey: identity.publicKey,
    }
    await this.publishUpTo(info, device.keyPackages)
    return info
  }

  /** Publish key packages if the server holds too few of this device's. */
  async topUp(device: DeviceInfo): Promise<void> {
    const current = await this.ds.currentDevice()
    if (current?.deviceId === device.deviceId) await this.publishUpTo(device, current.keyPackages)
  }

  private async publishUpTo(device: DeviceInfo, onServer: number): Promise<void> {
    if (onServer >= KEY_PACKAGES_LOW) return
    const made = await this.makeKeyPackages(device, KEY_PACKAGES_TARGET - onServer)
    await this.ds.publishKeyPackages(made.map((k) => keyPackageWire(k.publicPackage)))
  }

  private async identity(): Promise<StoredIdentity> {
    let identity = await this.store.get<StoredIdentity>('meta', 'identity')
    if (!identity) {
      identity = { ...(await newIdentityKey()), deviceId: null }
      await this.store.write([{ table: 'meta', key: 'identity', value: identity }])
    }
    this.ring.add(identity.handle, identity.privateKey)
    return identity
  }

  /** Another session's leftovers (maybe another user's): none of it is this session's. */
  private async reset(): Promise<void> {
    await this.dropDeviceState(['keyPackages', 'groups', 'plaintexts', 'sent'])
    await this.store.write([{ table: 'meta', key: 'identity', value: undefined }])
  }

  private async dropDeviceState(tables: Table[] = ['keyPackages', 'groups']): Promise<void> {
    const writes: Write[] = []
    for (const table of tables) {
      for (const key of await this.store.keys(table)) writes.push({ table, key, value: undefined })
    }
    await this.store.write(writes)
  }

  /** Key packages made and their private halves stored (sealed) before anyone sees them. */
  async makeKeyPackages(device: DeviceInfo, count: number): Promise<OwnKeyPackage[]> {
    const made: OwnKeyPackage[] = []
    const writes: Write[] = []
    for (let i = 0; i < count; i++) {
      const pkg = await generateKeyPackageWithKey(
        { credentialType: 'basic', identity: utf8(device.identity) },
        defaultCapabilities(),
        defaultLifetime,
        [],
        { signKey: device.handle, publicKey: device.publicKey },
        this.cs,
      )
      const ref = await keyPackageRef(pkg.publicPackage, this.cs)
      const record = JSON.stringify({
        keyPackage: keyPackageWire(pkg.publicPackage),
        init: b64(pkg.privatePackage.initPrivateKey),
        hpke: b64(pkg.privatePackage.hpkePrivateKey),
      })
      writes.push({ table: 'keyPackages', key: ref, value: await this.vault.seal('keyPackages', ref, utf8(record)) })
      made.push(pkg)
    }
    await this.store.write(writes)
    return made
  }

  /** The key package a Welcome names (by reference), with its private half, if it is ours. */
  async keyPackage(ref: string, handle: Uint8Array): Promise<OwnKeyPackage | null> {
    const sealed = await this.store.get<Sealed>('keyPackages', ref)
    if (!sealed) return null
    const record = JSON.parse(fromUtf8(await this.vault.open('keyPackages', ref, sealed))) as {
      keyPackage: string
      init: string
      hpke: string
    }
    const publicPackage = decodeKeyPackage(record.keyPackage)
    if (!publicPackage) return null
    return {
      publicPackage,
      privatePackage: { initPrivateKey: unb64(record.init), hpkePrivateKey: unb64(record.hpke), signaturePrivateKey: handle },
    }
  }

  /** Key packages are one-time: gone once a Welcome used it. */
  async dropKeyPackage(ref: string): Promise<void> {
    await this.store.write([{ table: 'keyPackages', key: ref, value: undefined }])
  }
}
