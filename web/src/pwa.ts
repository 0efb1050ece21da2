// The service worker precaches the app shell (vite-plugin-pwa / Workbox), so the app opens
// offline and says so; a new version activates on the next load.
import { registerSW } from 'virtual:pwa-register'

export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return
  registerSW({ immediate: true })
}
