// The interface language: English or Russian, with vue-i18n in Composition mode.
// Messages are compiled at run time by vue-i18n's JIT compiler into an AST that it
// interprets (no eval, no `new Function`), so the server's `script-src 'self'` holds.
// Components import `t` from here rather than calling useI18n(): the one global
// composer is reactive to the locale, and plain .ts modules (toasts, call texts) use it too.
import { createI18n } from 'vue-i18n'
import { load } from '@/lib/storage'
import en, { type Messages } from './en'
import ru from './ru'
import { russianPlural } from './plural'

export type Language = 'en' | 'ru'
export const LANGUAGES: readonly Language[] = ['en', 'ru']
/** Each language in its own name (not translated: that is how people look for it). */
export const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ru: 'Русский' }

/** The browser's choice: Russian if any of its languages is Russian, else English. */
export function browserLanguage(languages: readonly string[] = navigator.languages): Language {
  return languages.some((l) => l.toLowerCase().startsWith('ru')) ? 'ru' : 'en'
}

// The cached settings (see stores/settings.ts) pick the language before the first render,
// so a reload does not flash English.
const cached = load<{ language?: Language | null } | null>('params', null)?.language ?? null

export const i18n = createI18n<[Messages], Language, false>({
  // Composition API only. v11 marks the option deprecated (v12 drops the legacy mode), yet
  // its default is still the legacy mode, so it has to be said.
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- see above
  legacy: false,
  locale: cached ?? browserLanguage(),
  fallbackLocale: 'en',
  messages: { en, ru },
  pluralRules: { ru: russianPlural },
  // A missing key is a compile error (ru is typed by en), so no runtime warnings needed.
  missingWarn: false,
  fallbackWarn: false,
})

/** "section.key" for every message of en.ts. */
type Leaves<T, P extends string = ''> = {
  [K in keyof T & string]: T[K] extends string ? `${P}${K}` : Leaves<T[K], `${P}${K}.`>
}[keyof T & string]
export type MessageKey = Leaves<Messages>

/** A message in the current language; `plural` picks the form ("1 member | {n} members").
 *  The key is checked against en.ts at compile time (vue-i18n's own `t` takes any string). */
export function t(key: MessageKey, named: Record<string, unknown> = {}, plural?: number): string {
  return plural === undefined ? i18n.global.t(key, named) : i18n.global.t(key, named, plural)
}

/** The locale for Intl formatting, reactive: read it inside a render or computed. */
export function locale(): Language {
  return i18n.global.locale.value
}

export function setLanguage(language: Language): void {
  i18n.global.locale.value = language
  document.documentElement.lang = language
}
setLanguage(i18n.global.locale.value)
