// The service worker precaches the app shell (vite-plugin-pwa / Workbox), so the app opens
// offline and says so; a new version activates on the next load.
import { registerSW } from 'virtual:pwa-register'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  registerSW({ immediate: true })
  // A click on a push notification (public/sw-push.js) asks an open tab to show its chat.
  navigator.serviceWorker.addEventListener('message', (e: MessageEvent<unknown>) => {
    const data = e.data as { type?: unknown; chatId?: unknown } | null
    if (data?.type === 'shomik:open-chat' && typeof data.chatId === 'number') {
      window.dispatchEvent(new CustomEvent('shomik:open-chat', { detail: data.chatId }))
    }
  })
}
