import { afterEach, describe, expect, it } from 'vitest'
import en from './en'
import ru from './ru'
import { browserLanguage, i18n, setLanguage, t } from './index'
import { russianPlural } from './plural'

// Values that are the same in both languages on purpose.
const SAME_IN_BOTH = new Set(['messages.bubbleLabel', 'settings.sessionMeta'])

function flatten(tree: object, prefix = ''): Map<string, string> {
  const out = new Map<string, string>()
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key
    if (typeof value === 'string') out.set(path, value)
    else if (value && typeof value === 'object') for (const [k, v] of flatten(value as object, path)) out.set(k, v)
  }
  return out
}

describe('messages', () => {
  afterEach(() => { setLanguage('en') })

  it('translates every English message into Russian', () => {
    const english = flatten(en)
    const russian = flatten(ru)
    expect([...russian.keys()].sort()).toEqual([...english.keys()].sort())
    const untranslated = [...english].filter(([k, v]) => russian.get(k) === v && !SAME_IN_BOTH.has(k))
    expect(untranslated).toEqual([])
  })

  it('gives Russian plural forms by the last digits', () => {
    setLanguage('ru')
    const unread = (n: number): string => t('chats.unread', { n }, n)
    expect(unread(1)).toBe('1 непрочитанное сообщение')
    expect(unread(2)).toBe('2 непрочитанных сообщения')
    expect(unread(5)).toBe('5 непрочитанных сообщений')
    expect(unread(11)).toBe('11 непрочитанных сообщений')
    expect(unread(21)).toBe('21 непрочитанное сообщение')
    expect(unread(22)).toBe('22 непрочитанных сообщения')
    expect(unread(0)).toBe('0 непрочитанных сообщений')
    expect(t('chats.members', { n: 3 }, 3)).toBe('3 участника')
    expect(t('chats.members', { n: 112 }, 112)).toBe('112 участников')
  })

  it('picks the form index for three forms, and four with a zero form', () => {
    const forms = (n: number): number => russianPlural(n, 3)
    expect([1, 21, 101].map(forms)).toEqual([0, 0, 0])
    expect([2, 3, 4, 22, 104].map(forms)).toEqual([1, 1, 1, 1, 1])
    expect([0, 5, 11, 12, 14, 20, 111].map(forms)).toEqual([2, 2, 2, 2, 2, 2, 2])
    expect([0, 1, 2, 5].map((n) => russianPlural(n, 4))).toEqual([0, 1, 2, 3])
  })

  it('keeps English plurals as one | other', () => {
    expect(t('chats.unread', { n: 1 }, 1)).toBe('1 unread message')
    expect(t('chats.unread', { n: 0 }, 0)).toBe('0 unread messages')
    expect(t('chats.members', { n: 21 }, 21)).toBe('21 members')
  })

  it('chooses Russian for any ru* browser language, else English', () => {
    expect(browserLanguage(['ru-RU'])).toBe('ru')
    expect(browserLanguage(['de-DE', 'ru'])).toBe('ru')
    expect(browserLanguage(['en-US', 'en'])).toBe('en')
    expect(browserLanguage([])).toBe('en')
  })

  it('sets <html lang> with the language', () => {
    setLanguage('ru')
    expect(document.documentElement.lang).toBe('ru')
    expect(i18n.global.locale.value).toBe('ru')
  })
})
