import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { registerServiceWorker } from './pwa'
import './styles/emoji-font.css'
import './styles/main.scss'

// After a deploy, a tab opened on the previous version asks for chunks that no longer
// exist: load the new version instead of failing (once per minute, so it cannot loop). Only
// if the server answers: a chunk that failed because the server is down (a restart, no
// network) is not gone, and a reload then would land on the browser's error page. The
// failed import still rejects (not prevented), so its caller handles it as any failure.
window.addEventListener('vite:preloadError', () => {
  void reloadIfServerAnswers()
})

async function reloadIfServerAnswers(): Promise<void> {
  const last = Number(sessionStorage.getItem('shomik.reloaded-at') ?? 0)
  if (Date.now() - last < 60_000) return
  try {
    const response = await fetch('/api/health', { cache: 'no-store' })
    if (!response.ok) return
  } catch {
    return // down or unreachable: the chunk is not the problem
  }
  sessionStorage.setItem('shomik.reloaded-at', String(Date.now()))
  location.reload()
}

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(i18n)
app.mount('#app')
registerServiceWorker()
