// Typed keys: t('auth.signIn') is checked against en.ts.
import type { Messages } from './en'

declare module 'vue-i18n' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging needs an interface
  export interface DefineLocaleMessage extends Messages {}
}
