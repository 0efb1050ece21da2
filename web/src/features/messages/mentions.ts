// @mentions on the client: the server decides who a message mentions (`message.mentions`,
// members only); here they are matched back to the @names in the text for highlighting,
// members are offered while typing, and notifications ask whether a message names the reader.
import type { Message, UserPublic } from '@/api/types'

/** True when the message mentions this user: it notifies even in a muted chat. */
export function mentionsMe(message: Pick<Message, 'mentions' | 'senderId'>, meId: number | null | undefined): boolean {
  return meId != null && message.senderId !== meId && message.mentions.includes(meId)
}

/** Lower-cased username -> "is the reader", for the users the message mentions (those we know). */
export function mentionedNames(
  mentions: readonly number[],
  meId: number | null | undefined,
  userById: (id: number) => UserPublic | undefined,
): Map<string, boolean> {
  const names = new Map<string, boolean>()
  for (const id of mentions) {
    const user = userById(id)
    if (user) names.set(user.username.toLowerCase(), id === meId)
  }
  return names
}

// The @word being typed right before the caret: "@" at the start or after a space/bracket,
// then up to 32 username characters (the server's username rule).
const TYPING_RE = /(?:^|[\s([{"'«])@([A-Za-z0-9_.]{0,32})$/

/** The mention being typed before the caret: where its "@" is and what follows it, or null. */
export function typedMention(text: string, caret: number): { start: number; query: string } | null {
  const m = TYPING_RE.exec(text.slice(0, caret))
  if (!m) return null
  const query = m[1] ?? ''
  return { start: caret - query.length - 1, query }
}

/** Members to offer for `query` (matched at the start of the username or of any word of the
 *  display name, case-insensitively), without the writer, best matches first. */
export function mentionCandidates(members: readonly UserPublic[], query: string, meId: number | null, limit = 8): UserPublic[] {
  const q = query.toLocaleLowerCase()
  const scored: { user: UserPublic; score: number }[] = []
  for (const user of members) {
    if (user.id === meId) continue
    const username = user.username.toLowerCase()
    const name = user.displayName.toLocaleLowerCase()
    let score = -1
    if (username.startsWith(q)) score = 0
    else if (name.startsWith(q)) score = 1
    else if (name.split(/\s+/).some((word) => word.startsWith(q))) score = 2
    else if (q && (username.includes(q) || name.includes(q))) score = 3
    if (score >= 0) scored.push({ user, score })
  }
  scored.sort((a, b) => a.score - b.score || a.user.displayName.localeCompare(b.user.displayName))
  return scored.slice(0, limit).map((s) => s.user)
}

/** The text with the typed "@query" replaced by "@username " and where the caret goes. */
export function insertMention(text: string, start: number, caret: number, username: string): { text: string; caret: number } {
  const inserted = `@${username} `
  // A space already after the caret is not doubled.
  const rest = text.slice(caret).replace(/^ /, '')
  return { text: text.slice(0, start) + inserted + rest, caret: start + inserted.length }
}
