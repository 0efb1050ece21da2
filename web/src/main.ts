import { createApp } from 'vue'
import { createPinia } from 'pinia'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { registerServiceWorker } from './pwa'
import './styles/emoji-font.css'
import './styles/main.scss'

// After a deploy, a tab opened on the previous version asks for chunks that no longer
// exist: load the new version instead of failing (once per minute, so it cannot loop).
window.addEventListener('vite:preloadError', (event) => {
  const last = Number(sessionStorage.getItem('shomik.reloaded-at') ?? 0)
  if (Date.now() - last < 60_000) return
  event.preventDefault()
  sessionStorage.setItem('shomik.reloaded-at', String(Date.now()))
  location.reload()
})

const app = createApp(App)
app.use(createPinia())
app.use(router)
app.use(i18n)
app.mount('#app')
registerServiceWorker()
