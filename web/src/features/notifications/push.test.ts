import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { fakeServer } from '@/features/chats/testing'
import { disablePush, enablePush, keyBytes, pushState, resyncPush, subscriptionBody } from './push'

// The server's key: 65 bytes, an uncompressed P-256 point (its value does not matter here).
const KEY_BYTES = new Uint8Array(65).map((_, i) => (i === 0 ? 4 : i))
const KEY = btoa(String.fromCharCode(...KEY_BYTES)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

type FakeSubscription = PushSubscription & { unsubscribed: ReturnType<typeof vi.fn> }

function fakeSubscription(endpoint: string, key: Uint8Array | null = KEY_BYTES): FakeSubscription {
  const unsubscribed = vi.fn(() => Promise.resolve(true))
  return {
    endpoint,
    options: { applicationServerKey: key?.buffer ?? null, userVisibleOnly: true },
    toJSON: () => ({ endpoint, keys: { p256dh: 'BPUB', auth: 'AUTH' } }),
    unsubscribe: unsubscribed,
    unsubscribed,
  } as unknown as FakeSubscription
}

/** A browser with the Push API: the permission, the worker and its pushManager. */
function fakeBrowser(permission: NotificationPermission, existing: PushSubscription | null) {
  let sub = existing
  const pushManager = {
    getSubscription: vi.fn(() => Promise.resolve(sub)),
    subscribe: vi.fn((options: PushSubscriptionOptionsInit) => {
      sub = fakeSubscription('https://fcm.googleapis.com/fcm/send/new', options.applicationServerKey as Uint8Array)
      return Promise.resolve(sub)
    }),
  }
  const registration = { pushManager }
  const notification = { permission, requestPermission: vi.fn(() => Promise.resolve<NotificationPermission>('granted')) }
  vi.stubGlobal('Notification', notification)
  vi.stubGlobal('PushManager', function PushManager() { /* only its presence matters */ })
  Object.defineProperty(navigator, 'serviceWorker', {
    configurable: true,
    value: { ready: Promise.resolve(registration), getRegistration: () => Promise.resolve(registration) },
  })
  return { pushManager, notification }
}

beforeEach(() => {
  vi.unstubAllGlobals()
})
afterEach(() => {
  vi.unstubAllGlobals()
  Reflect.deleteProperty(navigator, 'serviceWorker')
})

describe('push helpers', () => {
  it('decodes the base64url key to its bytes', () => {
    expect([...keyBytes(KEY)]).toEqual([...KEY_BYTES])
    expect([...keyBytes('-_8')]).toEqual([0xfb, 0xff])
  })

  it('takes the subscription in the shape the server wants', () => {
    const body = subscriptionBody(fakeSubscription('https://fcm.googleapis.com/x'))
    expect(body).toEqual({ endpoint: 'https://fcm.googleapis.com/x', keys: { p256dh: 'BPUB', auth: 'AUTH' } })
  })

  it('reports unsupported without the Push API, denied, off and on', async () => {
    expect(await pushState()).toBe('unsupported')
    fakeBrowser('denied', null)
    expect(await pushState()).toBe('denied')
    fakeBrowser('default', null)
    expect(await pushState()).toBe('off')
    fakeBrowser('granted', null)
    expect(await pushState()).toBe('off')
    fakeBrowser('granted', fakeSubscription('https://fcm.googleapis.com/a'))
    expect(await pushState()).toBe('on')
  })
})

describe('turning push on and off', () => {
  it('asks, subscribes with the server key and sends the subscription', async () => {
    const { pushManager, notification } = fakeBrowser('default', null)
    const posted: unknown[] = []
    const fetchMock = fakeServer({
      'GET /api/push/key': () => ({ json: { publicKey: KEY } }),
      'POST /api/push/subscriptions': (body) => (posted.push(body), { status: 201, json: {} }),
    })
    vi.stubGlobal('fetch', fetchMock)
    expect(await enablePush()).toBe('on')
    expect(notification.requestPermission).toHaveBeenCalled()
    const options = pushManager.subscribe.mock.calls[0]?.[0]
    expect(options?.userVisibleOnly).toBe(true)
    expect([...(options?.applicationServerKey as Uint8Array)]).toEqual([...KEY_BYTES])
    expect(posted).toEqual([{ endpoint: 'https://fcm.googleapis.com/fcm/send/new', keys: { p256dh: 'BPUB', auth: 'AUTH' } }])
  })

  it('replaces a subscription made with another server key', async () => {
    const old = fakeSubscription('https://fcm.googleapis.com/old', new Uint8Array(65))
    const { pushManager } = fakeBrowser('granted', old)
    vi.stubGlobal('fetch', fakeServer({
      'GET /api/push/key': () => ({ json: { publicKey: KEY } }),
      'POST /api/push/subscriptions': () => ({ status: 201, json: {} }),
    }))
    await enablePush()
    expect(old.unsubscribed).toHaveBeenCalled()
    expect(pushManager.subscribe).toHaveBeenCalled()
  })

  it('turning off tells the server and unsubscribes the browser', async () => {
    const sub = fakeSubscription('https://fcm.googleapis.com/a')
    fakeBrowser('granted', sub)
    const deleted: unknown[] = []
    vi.stubGlobal('fetch', fakeServer({
      'DELETE /api/push/subscriptions': (body) => (deleted.push(body), { status: 204 }),
    }))
    await disablePush()
    expect(deleted).toEqual([{ endpoint: 'https://fcm.googleapis.com/a' }])
    expect(sub.unsubscribed).toHaveBeenCalled()
  })

  it('re-sends an existing subscription at start, and nothing without one', async () => {
    fakeBrowser('granted', fakeSubscription('https://fcm.googleapis.com/a'))
    const fetchMock = fakeServer({ 'POST /api/push/subscriptions': () => ({ status: 201, json: {} }) })
    vi.stubGlobal('fetch', fetchMock)
    await resyncPush()
    expect(fetchMock).toHaveBeenCalledTimes(1)
    fakeBrowser('granted', null)
    await resyncPush()
    expect(fetchMock).toHaveBeenCalledTimes(1)
  })
})
