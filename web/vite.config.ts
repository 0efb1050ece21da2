import { fileURLToPath, URL } from 'node:url'
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { VitePWA } from 'vite-plugin-pwa'

// The server serves dist/ itself (no Node process in production); `npm run dev` proxies
// the API and the socket to a `make run` server on :8000.
export default defineConfig({
  plugins: [
    vue(),
    VitePWA({
      registerType: 'autoUpdate',
      injectRegister: false,
      manifest: {
        name: 'Shomik',
        short_name: 'Shomik',
        description: 'Chats and calls with your family, team or community',
        start_url: '/',
        scope: '/',
        display: 'standalone',
        background_color: '#17212b',
        theme_color: '#2b5278',
        icons: [
          { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png' },
          { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png' },
          { src: '/icons/icon-maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
        ],
      },
      workbox: {
        // The app shell, precached so the app opens offline and says it is offline.
        globPatterns: ['**/*.{js,css,html,svg,png,woff2}'],
        // The colour emoji font is ~4 MB in unicode-range pieces (styles/emoji-font.css): a
        // page loads only the pieces its emoji need, so they are cached as they are used
        // instead of all being downloaded with the app shell.
        globIgnores: ['**/noto-color-emoji-*'],
        runtimeCaching: [
          {
            urlPattern: /\/assets\/noto-color-emoji-[^/]*\.woff2$/,
            handler: 'CacheFirst',
            // Hashed names never change their content: keep them, at most the 11 pieces.
            options: { cacheName: 'emoji-font', expiration: { maxEntries: 16 } },
          },
        ],
        navigateFallback: '/index.html',
        // API and socket are never answered from the cache: data must be live or absent.
        navigateFallbackDenylist: [/^\/api\//, /^\/ws$/],
        cleanupOutdatedCaches: true,
        // Web Push: the push and notificationclick handlers, a small hand-written script
        // (public/sw-push.js) beside the generated precache worker.
        importScripts: ['/sw-push.js'],
      },
    }),
  ],
  // vue-i18n's compile-time flags: Composition API only (the legacy API is tree-shaken),
  // no global <i18n-t> components, no devtools in production.
  define: {
    __VUE_I18N_LEGACY_API__: 'false',
    __VUE_I18N_FULL_INSTALL__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
  },
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  build: {
    target: 'es2022',
    sourcemap: false,
    rollupOptions: {
      output: {
        // Vue, router, pinia and vue-i18n change rarely: their own long-cached chunk.
        manualChunks(id: string) {
          if (/node_modules\/(@vue|vue|vue-router|pinia|vue-i18n|@intlify)\//.test(id)) return 'vendor'
          return undefined
        },
        // The emoji font's pieces are named 0.woff2 ... 10.woff2 in their package: named
        // here so that the precache can leave them out (workbox.globIgnores above).
        assetFileNames(asset) {
          const emoji = asset.originalFileNames.some((f) => f.includes('noto-color-emoji'))
          return emoji ? 'assets/noto-color-emoji-[name]-[hash][extname]' : 'assets/[name]-[hash][extname]'
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': 'http://127.0.0.1:8000',
      '/ws': { target: 'ws://127.0.0.1:8000', ws: true },
    },
  },
  test: {
    environment: 'happy-dom',
    include: ['src/**/*.test.ts'],
  },
})
