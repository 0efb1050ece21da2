import { createRouter, createWebHistory } from 'vue-router'
import { useAuthStore } from '@/stores/auth'

export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: () => import('@/features/auth/AuthView.vue'), meta: { guest: true } },
    { path: '/register', name: 'register', component: () => import('@/features/auth/AuthView.vue'), meta: { guest: true } },
    {
      path: '/',
      component: () => import('@/features/chats/MainView.vue'),
      children: [
        { path: '', name: 'home', component: () => import('@/features/chats/EmptyPane.vue') },
        { path: 'chat/:id(\\d+)', name: 'chat', component: () => import('@/features/messages/ChatView.vue'), props: (r) => ({ chatId: Number(r.params.id) }) },
      ],
    },
    { path: '/:rest(.*)*', redirect: '/' },
  ],
})

router.beforeEach((to) => {
  const signedIn = useAuthStore().signedIn
  if (!signedIn && !to.meta.guest) return { name: 'login' }
  if (signedIn && to.meta.guest) return { name: 'home' }
  return true
})
