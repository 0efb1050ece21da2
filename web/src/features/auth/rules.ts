// The sign-up rules, shown before submitting and checked here first, so that "Alice Smith"
// as a username is explained at once; the server's words (field: reason) land on the field.
import { ApiError } from '@/api/http'
import { t } from '@/i18n'

export type Field = 'username' | 'displayName' | 'password'

// The server's USERNAME_PATTERN (src/shomik/auth/schemas.py) and password minimum.
export const USERNAME = /^[A-Za-z0-9_.]{3,32}$/
export const MIN_PASSWORD = 8

export function checkSignUp(username: string, password: string): Partial<Record<Field, string>> {
  const errors: Partial<Record<Field, string>> = {}
  if (!USERNAME.test(username)) {
    errors.username = /\s/.test(username) ? t('auth.usernameSpaces') : t('auth.usernameInvalid')
  }
  if (password.length < MIN_PASSWORD) errors.password = t('auth.passwordShort', { n: MIN_PASSWORD })
  else if (username && password.toLowerCase().includes(username.toLowerCase())) {
    errors.password = t('auth.passwordHasUsername')
  }
  return errors
}

/** The field a server refusal is about, if it says: "username: …", a weak password, a
 *  taken name. */
export function fieldOf(error: ApiError): { field: Field; message: string } | null {
  if (error.code === 'weak_password') return { field: 'password', message: error.message }
  if (error.code === 'username_taken') return { field: 'username', message: error.message }
  const match = /^(username|displayName|password): (.+)$/s.exec(error.message)
  return match ? { field: match[1] as Field, message: match[2] ?? error.message } : null
}
