// The self-destruct timer's words: "5 seconds" in the picker, "5s" on the header's badge.
import { t } from '@/i18n'

type Unit = 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds'
const UNITS: readonly [Unit, number][] = [['weeks', 604800], ['days', 86400], ['hours', 3600], ['minutes', 60], ['seconds', 1]]

/** The largest unit that divides the time evenly: 3600 is one hour, 90 is 90 seconds. */
export function timerUnit(seconds: number): { unit: Unit; n: number } {
  const [unit, size] = UNITS.find(([, s]) => seconds % s === 0) ?? ['seconds', 1]
  return { unit, n: seconds / size }
}

/** "Off", "5 seconds", "1 week". */
export function timerText(seconds: number | null): string {
  if (seconds === null) return t('secretChat.timerOff')
  const { unit, n } = timerUnit(seconds)
  return t(`secretChat.${unit}`, { n }, n)
}

/** "5s", "1w": the header badge (its accessible name says it in full). */
export function timerShort(seconds: number): string {
  const { unit, n } = timerUnit(seconds)
  return t(`secretChat.${unit}Short`, { n })
}
