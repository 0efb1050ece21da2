// Dates and times as a messenger shows them, in the browser's locale.
const DAY_MS = 86_400_000

function startOfDay(d: Date): number {
  return new Date(d.getFullYear(), d.getMonth(), d.getDate()).getTime()
}

export function clockTime(iso: string): string {
  return new Date(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

/** Chat-list time: 14:05 today, "Mon" this week, 12.03.26 before. */
export function listTime(iso: string, now = new Date()): string {
  const d = new Date(iso)
  const days = (startOfDay(now) - startOfDay(d)) / DAY_MS
  if (days < 1) return clockTime(iso)
  if (days < 7) return d.toLocaleDateString(undefined, { weekday: 'short' })
  return d.toLocaleDateString(undefined, { day: '2-digit', month: '2-digit', year: '2-digit' })
}

/** Date separator in the timeline: Today, Yesterday, 12 March (2025 if not this year). */
export function dayLabel(iso: string, now = new Date()): string {
  const d = new Date(iso)
  const days = Math.round((startOfDay(now) - startOfDay(d)) / DAY_MS)
  if (days === 0) return 'Today'
  if (days === 1) return 'Yesterday'
  return d.toLocaleDateString(undefined, {
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
  if (!iso) return 'last seen a long time ago'
  const minutes = Math.floor((now.getTime() - new Date(iso).getTime()) / 60_000)
  if (minutes < 1) return 'last seen just now'
  if (minutes < 60) return `last seen ${minutes} minute${minutes === 1 ? '' : 's'} ago`
  const days = (startOfDay(now) - startOfDay(new Date(iso))) / DAY_MS
  if (days < 1) return `last seen at ${clockTime(iso)}`
  if (days < 2) return `last seen yesterday at ${clockTime(iso)}`
  return `last seen ${new Date(iso).toLocaleDateString(undefined, { day: 'numeric', month: 'short' })}`
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}
