// Web Push in the page: subscribe this browser with the server's VAPID key, tell the server,
// and undo both. Loaded on demand (the prompt and the settings import it), so the initial
// JavaScript does not carry it. The service worker side is public/sw-push.js.
import type { components } from '@/api/openapi'
import { request } from '@/api/http'

type PushKey = components['schemas']['PushKey']
type SubscriptionIn = components['schemas']['SubscriptionIn']

/** unsupported: no Push API (or no service worker); denied: blocked by the user;
 *  off: allowed or not yet asked, but this browser is not subscribed; on: subscribed. */
export type PushState = 'unsupported' | 'denied' | 'off' | 'on'

export function pushSupported(): boolean {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window
}

/** base64url (the server's key) to the bytes `applicationServerKey` takes. */
export function keyBytes(base64url: string): Uint8Array<ArrayBuffer> {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/')
  const raw = atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4))
  const bytes = new Uint8Array(new ArrayBuffer(raw.length))
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i)
  return bytes
}

/** The subscription as the server takes it (`PushSubscription.toJSON()` has optional fields). */
export function subscriptionBody(sub: PushSubscription): SubscriptionIn {
  const json = sub.toJSON()
  const p256dh = json.keys?.p256dh
  const auth = json.keys?.auth
  if (!json.endpoint || !p256dh || !auth) throw new Error('The browser gave an incomplete push subscription.')
  return { endpoint: json.endpoint, keys: { p256dh, auth } }
}

async function current(): Promise<PushSubscription | null> {
  // Not `ready`, which never settles in a page without a service worker (dev server).
  const registration = await navigator.serviceWorker.getRegistration()
  return registration ? await registration.pushManager.getSubscription() : null
}

export async function pushState(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported'
  if (Notification.permission === 'denied') return 'denied'
  if (Notification.permission !== 'granted') return 'off'
  return (await current()) ? 'on' : 'off'
}

/** From a click (browsers ask for permission only in response to one). */
export async function enablePush(): Promise<PushState> {
  if (!pushSupported()) return 'unsupported'
  const permission = await Notification.requestPermission()
  if (permission !== 'granted') return permission === 'denied' ? 'denied' : 'off'
  const { publicKey } = await request<PushKey>('GET', '/api/push/key')
  const registration = await navigator.serviceWorker.ready
  let sub = await registration.pushManager.getSubscription()
  if (sub && !sameKey(sub, publicKey)) {
    await sub.unsubscribe() // made with another server key: it would be refused by the push service
    sub = null
  }
  sub ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(publicKey) })
  await request<SubscriptionIn>('POST', '/api/push/subscriptions', subscriptionBody(sub))
  return 'on'
}

/** Turn off, and on log-out: the next person signed in here must not get the pushes. */
export async function disablePush(): Promise<void> {
  if (!pushSupported()) return
  const sub = await current()
  if (!sub) return
  try {
    await request('DELETE', '/api/push/subscriptions', { endpoint: sub.endpoint })
  } finally {
    await sub.unsubscribe()
  }
}

/** At each start while signed in: the server may have dropped this browser's subscription
 *  (log-out of all devices, a password change, a 410 from the push service); tell it again. */
export async function resyncPush(): Promise<void> {
  if (!pushSupported() || Notification.permission !== 'granted') return
  const sub = await current()
  if (sub) await request<SubscriptionIn>('POST', '/api/push/subscriptions', subscriptionBody(sub))
}

function sameKey(sub: PushSubscription, publicKey: string): boolean {
  const key = sub.options.applicationServerKey
  if (!key) return false
  const mine = new Uint8Array(key)
  const theirs = keyBytes(publicKey)
  return mine.length === theirs.length && mine.every((b, i) => b === theirs[i])
}
