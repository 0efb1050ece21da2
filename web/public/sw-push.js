// Web Push in the service worker (imported by the generated worker: vite.config.ts
// workbox.importScripts). The server sends a small JSON payload, encrypted for this browser
// (src/shomik/push/service.py): {kind, chatId, title, body, tag, url, icon}.
/* global self, clients */

self.addEventListener('push', (event) => {
  let data = {}
  try {
    data = event.data ? event.data.json() : {}
  } catch {
    // Not our JSON: still a notification, as userVisibleOnly promises the browser.
  }
  const title = typeof data.title === 'string' && data.title ? data.title : 'Shomik'
  const options = {
    body: typeof data.body === 'string' ? data.body : '',
    // One notification per chat: a later message replaces the earlier one (and renotify
    // makes it sound again), so a burst of messages is one notification, not fifty.
    tag: typeof data.tag === 'string' ? data.tag : 'shomik',
    renotify: true,
    // The sender's picture (a public avatar URL of this server), else the app's icon.
    icon: typeof data.icon === 'string' && data.icon.startsWith('/api/avatars/') ? data.icon : '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    // A ringing call stays until it is answered or dismissed.
    requireInteraction: data.kind === 'call',
    data: { chatId: typeof data.chatId === 'number' ? data.chatId : null, url: typeof data.url === 'string' ? data.url : '/' },
  }
  event.waitUntil(self.registration.showNotification(title, options))
})

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(clickNotification(event.notification))
})

// Close it, then switch an open Shomik tab to the chat (src/pwa.ts listens) and focus it,
// or open a tab on the chat. A top-level function: the browser test calls it directly,
// as headless Chromium has no notification to click.
async function clickNotification(notification) {
  notification.close()
  const { chatId, url } = notification.data || {}
  const tabs = await clients.matchAll({ type: 'window', includeUncontrolled: true })
  const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin)
  if (tab) {
    tab.postMessage({ type: 'shomik:open-chat', chatId })
    // Refused without a real click (user activation); the tab has switched chats anyway.
    await tab.focus().catch(() => undefined)
    return
  }
  await clients.openWindow(new URL(url || '/', self.location.origin).href)
}
