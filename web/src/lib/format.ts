// Dates and times as a messenger shows them, in the interface language's conventions
// (Intl with the chosen locale: "8:43 PM" in English, "20:43" in Russian).
import { locale, t } from '@/i18n'

const DAY_MS = 86_400_000

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

/** The locale's own short clock: "8:43 PM" in English (no leading zero), "08:43" in Russian. */
export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(locale(), { timeStyle: 'short' })
}

/** Chat-list time: the clock today, a weekday this week ("Mon", "пн"), a short date before. */
export function listTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  const days = (startOfDay(now) - startOfDay(d)) / DAY_MS
  if (days < 1) return clockTime(iso)
  if (days < 7) return d.toLocaleDateString(locale(), { weekday: 'short' })
  return d.toLocaleDateString(locale(), { day: '2-digit', month: '2-digit', year: '2-digit' })
}

/** Date separator in the timeline: Today, Yesterday, 12 March (2025 if not this year). */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso)
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY_MS)
  if (days === 0) return t('time.today')
  if (days === 1) return t('time.yesterday')
  return d.toLocaleDateString(locale(), {
    day: 'numeric',
    month: 'long',
    ...(d.getFullYear() === now.getFullYear() ? {} : { year: 'numeric' }),
  })
}

export function dayKey(iso: string): string {
  const d = new Date(iso)
  return `${d.getFullYear()}-${d.getMonth()}-${d.getDate()}`
}

export function lastSeen(iso: string | null, now = new Date()): string {
  if (!iso) return t('time.lastSeenLongAgo')
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60_000)
  if (minutes < 1) return t('time.lastSeenJustNow')
  if (minutes < 60) return t('time.lastSeenMinutes', { n: minutes }, minutes)
  const days = (startOfDay(now) - startOfDay(new Date(iso))) / DAY_MS
  if (days < 1) return t('time.lastSeenAt', { time: clockTime(iso) })
  if (days < 2) return t('time.lastSeenYesterday', { time: clockTime(iso) })
  const date = new Date(iso).toLocaleDateString(locale(), { day: 'numeric', month: 'short' })
  return t('time.lastSeenOn', { date })
}

/** The "last seen" line of someone not online: "last seen recently" where their privacy
 *  settings (or a block) hide their status from us, which the server says with null; an
 *  account an operator deactivated says so instead. */
export function seenText(
  user: { status: string | null; lastSeen: string | null; deactivated: boolean },
  now = new Date(),
): string {
  if (user.deactivated) return t('time.deactivated')
  return user.status === null ? t('time.lastSeenRecently') : lastSeen(user.lastSeen, now)
}

export function fileSize(bytes: number): string {
  const number = (n: number): string => n.toLocaleString(locale(), { minimumFractionDigits: 1, maximumFractionDigits: 1 })
  if (bytes < 1024) return t('time.bytes', { n: bytes })
  if (bytes < 1024 * 1024) return t('time.kilobytes', { n: number(bytes / 1024) })
  return t('time.megabytes', { n: number(bytes / 1024 / 1024) })
}
