import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { meUser } from '@/features/chats/testing'
import { safetyNumber } from './safetyNumber'
import { device, directory } from './testing'
import { useSecretTrustStore } from './trust'

vi.mock('../index', async (importOriginal) => {
  const { fakeEngine } = await import('./testing')
  return { ...(await importOriginal<typeof import('../index')>()), loadEngine: () => Promise.resolve(fakeEngine) }
})

const alice = device(1, 'a1', 1)
const bob = device(2, 'b1', 2)

/** A new page life: the stores start empty and read what localStorage kept. */
function fresh(): ReturnType<typeof useSecretTrustStore> {
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser())
  return useSecretTrustStore()
}

beforeEach(() => {
  localStorage.clear()
  directory.identities = [alice, bob]
})

describe('secret chat trust', () => {
  it('computes the safety number of the chat’s devices', async () => {
    const trust = fresh()
    await trust.refresh(7)
    expect(trust.state(7)).toMatchObject({ number: await safetyNumber([alice, bob]), devices: 2, members: 2, changed: [] })
    expect(trust.isVerified(7)).toBe(false)
  })

  it('stays verified across page loads while the number is the same, and not once it changes', async () => {
    let trust = fresh()
    await trust.refresh(7)
    trust.markVerified(7)
    expect(trust.isVerified(7)).toBe(true)
    trust = fresh()
    expect(trust.isVerified(7)).toBe(false) // not known before the keys are read
    await trust.refresh(7)
    expect(trust.isVerified(7)).toBe(true)
    // Bob signs in on a phone: a new device, a new number.
    directory.identities = [alice, bob, device(2, 'b2', 3)]
    await trust.refresh(7)
    expect(trust.isVerified(7)).toBe(false)
    expect(trust.state(7)?.changed).toEqual([2])
    // Back to the same devices: still not verified (the change ended it) until checked again.
    directory.identities = [alice, bob]
    await trust.refresh(7)
    expect(trust.isVerified(7)).toBe(false)
    trust.markVerified(7)
    expect(trust.isVerified(7)).toBe(true)
    expect(trust.state(7)?.changed).toEqual([])
  })

  it('remembers a key change until it is dismissed, per chat', async () => {
    let trust = fresh()
    await trust.refresh(7)
    await trust.refresh(8)
    directory.identities = [alice, { ...bob, signatureKey: device(0, '', 9).signatureKey }]
    await trust.refresh(7)
    trust = fresh()
    await trust.refresh(7)
    expect(trust.state(7)?.changed).toEqual([2]) // still there after a reload
    trust.dismissChanges(7)
    expect(trust.state(7)?.changed).toEqual([])
    await trust.refresh(7)
    expect(trust.state(7)?.changed).toEqual([]) // the new key is the known one now
    await trust.refresh(8)
    expect(trust.state(8)?.changed).toEqual([2]) // chat 8 had not seen it yet
  })

  it('does not warn about a newcomer, nor on the first look', async () => {
    const trust = fresh()
    await trust.refresh(7)
    directory.identities = [alice, bob, device(3, 'c1', 4)]
    await trust.refresh(7)
    expect(trust.state(7)?.changed).toEqual([])
  })

  it('keeps what each user saw apart', async () => {
    const trust = fresh()
    await trust.refresh(7)
    trust.markVerified(7)
    useAuthStore().setUser(meUser(5))
    await trust.refresh(7)
    expect(trust.isVerified(7)).toBe(false)
  })
})
