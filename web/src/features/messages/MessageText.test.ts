import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { flushPromises, mount, type VueWrapper } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { useAuthStore } from '@/stores/auth'
import { useUsersStore } from '@/stores/users'
import { meUser, person, testRouter } from '@/features/chats/testing'
import MessageText from './MessageText.vue'

let wrapper: VueWrapper | null = null

beforeEach(() => {
  setActivePinia(createPinia())
  useAuthStore().setUser(meUser())
  useUsersStore().upsert(person(1, 'Amina'))
  useUsersStore().upsert(person(2, 'Bob'))
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

async function render(text: string, mentions: number[] = []): Promise<HTMLElement> {
  const router = testRouter()
  await router.push('/')
  wrapper = mount(MessageText, { props: { text, mentions }, global: { plugins: [router] } })
  return wrapper.element as HTMLElement
}

describe('MessageText', () => {
  it('renders the styles as elements', async () => {
    const el = await render('**b** __i__ ~~s~~ `c`\n```\nblock\n```')
    expect(el.querySelector('strong')?.textContent).toBe('b')
    expect(el.querySelector('em')?.textContent).toBe('i')
    expect(el.querySelector('s')?.textContent).toBe('s')
    expect(el.querySelector('.inline-code')?.textContent).toBe('c')
    expect(el.querySelector('.code-block')?.textContent).toBe('block')
  })

  it('keeps markup inert, inside styles too', async () => {
    const el = await render('**<img src=x onerror=alert(1)>** <script>x</script> [a](javascript:alert(1))')
    expect(el.querySelector('img, script')).toBeNull()
    expect(el.querySelector('strong')?.textContent).toBe('<img src=x onerror=alert(1)>')
    expect(el.querySelectorAll('a')).toHaveLength(0)
  })

  it('isolates the text and shows where each link really goes', async () => {
    const el = await render('\u202Ehttps://evil.example/moc.knab.www//:sptth and mail a@example.org')
    expect(el.getAttribute('dir')).toBe('auto')
    const [web, mail] = [...el.querySelectorAll('a')]
    expect(web?.getAttribute('href')).toBe('https://evil.example/moc.knab.www//:sptth')
    expect(web?.getAttribute('dir')).toBe('ltr') // the U+202E before it cannot turn it around
    expect(web?.getAttribute('title')).toBe('Opens evil.example')
    expect(mail?.getAttribute('title')).toBe('Writes to a@example.org')
  })

  it('makes no link of a URL holding a bidi control', async () => {
    const el = await render('https://evil.example/\u202Emoc.knab.www//:sptth')
    expect(el.querySelectorAll('a')).toHaveLength(0)
    expect(el.textContent).toBe('https://evil.example/[U+202E]moc.knab.www//:sptth')
  })

  it('drops a stray PDI that would let the text out of its isolation', async () => {
    const el = await render('hi\u2069\u202E there')
    expect(el.textContent).toBe('hi\u202E there')
  })

  it('hides a spoiler until it is clicked', async () => {
    const el = await render('the end: ||he lives||')
    const spoiler = el.querySelector<HTMLElement>('[role="button"]')
    expect(spoiler?.getAttribute('aria-label')).toBe('Spoiler: show the hidden text')
    expect(spoiler?.querySelector('[aria-hidden="true"]')?.textContent).toBe('he lives')
    spoiler?.click()
    await flushPromises()
    expect(el.querySelector('[role="button"]')).toBeNull()
    expect(el.querySelector('.spoiler.revealed')?.textContent).toBe('he lives')
  })

  it('highlights mentions of members only, mine more strongly', async () => {
    const el = await render('@bob and @amina and @nobody', [1, 2])
    expect(el.querySelector('[data-testid="mention"]')?.textContent).toBe('@bob')
    expect(el.querySelector('[data-testid="mention-me"]')?.textContent).toBe('@amina')
    expect(el.querySelectorAll('.mention')).toHaveLength(2)
    expect(el.textContent).toBe('@bob and @amina and @nobody')
  })
})
