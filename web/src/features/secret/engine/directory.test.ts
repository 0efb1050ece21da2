import { describe, expect, it } from 'vitest'
import { Directory } from './directory'
import type { DeliveryService, SecretGroup } from './ds'
import { unb64, utf8 } from './bytes'

const KEY = 'toatoMsYsBfDl8Y1Azhd5WBxqCB3WGgoRtmd2J+owQ4='
const OTHER = 'IgelAWPFrTef3dL95NHUevG7Dd2rw8fHPutj4C8Z83Q='

function directory(groups: SecretGroup[]): { dir: Directory; reads: () => number } {
  let reads = 0
  const ds = {
    group: () => {
      const next = groups[Math.min(reads++, groups.length - 1)]
      return next ? Promise.resolve(next) : Promise.reject(new Error('no group'))
    },
  } as unknown as DeliveryService
  return { dir: new Directory(ds), reads: () => reads }
}

function group(devices: { identity: string; key: string }[]): SecretGroup {
  return {
    chatId: 1,
    epoch: 1,
    devices: devices.map((d) => ({
      deviceId: d.identity.split(':')[1] ?? '', userId: Number(d.identity.split(':')[0]), identity: d.identity,
      signatureKey: d.key, inGroup: true, addedEpoch: 1, live: true, revokedAt: null,
    })),
  }
}

describe('the AuthenticationService over the directory', () => {
  it('accepts only a listed identity with its listed key', async () => {
    const { dir } = directory([group([{ identity: '8:deviceB', key: KEY }])])
    const auth = dir.authService(1)
    const basic = (identity: string) => ({ credentialType: 'basic' as const, identity: utf8(identity) })
    expect(await auth.validateCredential(basic('8:deviceB'), unb64(KEY))).toBe(true)
    expect(await auth.validateCredential(basic('8:deviceB'), unb64(OTHER))).toBe(false)
    expect(await auth.validateCredential(basic('9:deviceB'), unb64(KEY))).toBe(false)
    expect(await auth.validateCredential({ credentialType: 'x509', certificates: [] }, unb64(KEY))).toBe(false)
  })

  it('reads the directory again for a device it does not know yet', async () => {
    const { dir, reads } = directory([group([]), group([{ identity: '8:new', key: KEY }])])
    await dir.fresh(1)
    expect(await dir.authService(1).validateCredential({ credentialType: 'basic', identity: utf8('8:new') }, unb64(KEY))).toBe(true)
    expect(reads()).toBe(2)
  })
})
