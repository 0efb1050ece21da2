import { ApiError } from '@/api/http'

/** The server's own words when it gave any (they say what to fix), else our fallback. */
export function errorText(error: unknown, fallback: string): string {
  return error instanceof ApiError ? error.message : fallback
}
