// Reconnect politely: exponential from 1 s to 30 s with ±25 % jitter, so that a server
// restart is not answered by every client at the same instant (delivery guide §8).
export const BACKOFF_BASE_MS = 1000
export const BACKOFF_MAX_MS = 30_000
export const BACKOFF_JITTER = 0.25

export function backoffDelay(attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt))
  const jitter = 1 + BACKOFF_JITTER * (2 * random() - 1)
  return Math.round(exp * jitter)
}
