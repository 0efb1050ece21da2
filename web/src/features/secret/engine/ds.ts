// The server's MLS Delivery and Authentication Service (docs/e2ee.md §4, docs/protocol.md),
// as the engine sees it. The browser's goes through the app's REST client (token in the
// header, errors as ApiError with the server's code); tests use an in-memory stand-in.
import { ApiError, request } from '@/api/http'
import type { components } from '@/api/openapi'

type S = components['schemas']
export type Device = S['Device']
export type SecretGroup = S['SecretGroup']
export type GroupDevice = S['GroupDevice']
export type CommitIn = S['CommitIn']
export type CommitAccepted = S['CommitAccepted']
export type CommitEvent = S['CommitEvent']
export type WelcomeEvent = S['WelcomeEvent']
export type ClaimedKeyPackages = S['ClaimedKeyPackages']
export type KeyPackagesStored = S['KeyPackagesStored']

export interface DeliveryService {
  registerDevice(signatureKey: string): Promise<Device>
  /** This session's device, or null before registration. */
  currentDevice(): Promise<Device | null>
  publishKeyPackages(keyPackages: string[]): Promise<KeyPackagesStored>
  claimKeyPackages(userId: number, chatId: number): Promise<ClaimedKeyPackages>
  group(chatId: number): Promise<SecretGroup>
  /** 409 `stale_epoch` (an ApiError) when another commit won the epoch. */
  postCommit(chatId: number, body: CommitIn): Promise<CommitAccepted>
  commits(chatId: number, since: number): Promise<CommitEvent[]>
  /** The Welcome that added this device, or null if it joined by none. */
  welcome(chatId: number): Promise<WelcomeEvent | null>
}

function orNull<T>(promise: Promise<T>): Promise<T | null> {
  return promise.catch((error: unknown) => {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  })
}

export const httpDeliveryService: DeliveryService = {
  registerDevice: (signatureKey) => request<Device>('POST', '/api/e2ee/devices', { signatureKey }),
  currentDevice: () => orNull(request<Device>('GET', '/api/e2ee/devices/current')),
  publishKeyPackages: (keyPackages) =>
    request<KeyPackagesStored>('POST', '/api/e2ee/key-packages', { keyPackages }),
  claimKeyPackages: (userId, chatId) =>
    request<ClaimedKeyPackages>('GET', `/api/e2ee/key-packages/${userId}?chatId=${chatId}`),
  group: (chatId) => request<SecretGroup>('GET', `/api/e2ee/chats/${chatId}`),
  postCommit: (chatId, body) => request<CommitAccepted>('POST', `/api/e2ee/chats/${chatId}/commits`, body),
  async commits(chatId, since) {
    // Pages of at most 100, oldest first: read on until a short page.
    const all: CommitEvent[] = []
    for (;;) {
      const page = await request<S['CommitPage']>(
        'GET',
        `/api/e2ee/chats/${chatId}/commits?since=${since}&limit=100`,
      )
      all.push(...page.commits)
      const last = page.commits.at(-1)
      if (page.commits.length < 100 || !last) return all
      since = last.epoch + 1
    }
  },
  welcome: (chatId) => orNull(request<WelcomeEvent>('GET', `/api/e2ee/chats/${chatId}/welcome`)),
}

export function isApiError(error: unknown, code: string): boolean {
  return error instanceof ApiError && error.code === code
}
