// What a participant tells the others about their uplink: muted, and whether they send
// video now (camera on, or a screen). It travels as the VideoRoom publisher's `display`:
// Janus hands it to everyone in the room when they join (`publishers`) and on every change
// (a `configure` with a new display is announced as an event with `id` and `display`).
// Nothing else in a Shomik room uses `display`: names come from Shomik, not from Janus.

export interface FeedState {
  muted: boolean
  video: boolean
}

export function encodeFeedState(state: FeedState): string {
  return JSON.stringify({ muted: state.muted, video: state.video })
}

/** A publisher's `display`, or null if it is not ours to read (missing, or malformed). */
export function decodeFeedState(display: unknown): FeedState | null {
  if (typeof display !== 'string') return null
  let value: unknown
  try {
    value = JSON.parse(display)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const { muted, video } = value as Record<string, unknown>
  if (typeof muted !== 'boolean' || typeof video !== 'boolean') return null
  return { muted, video }
}
