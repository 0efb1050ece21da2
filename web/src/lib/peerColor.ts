// One colour per person (or group), the same on every screen: the chat list, the header, a
// profile, the call screen and a sender's name in a group all ask this one function. Pass a
// person's user id for a person (also in a private chat, where the chat id would give the
// other side a different colour) and the chat id for a group's own picture.

/** Telegram's seven avatar colours: white initials read on each of them. */
export const PEER_COLORS = ['#e17076', '#7bc862', '#65aadd', '#a695e7', '#ee7aae', '#6ec9cb', '#faa774'] as const

function index(id: number): number {
  return Math.abs(Math.trunc(id)) % PEER_COLORS.length
}

/** The avatar background for a user id (a person) or a chat id (a group picture). */
export function peerColor(id: number): string {
  return PEER_COLORS[index(id)] ?? PEER_COLORS[0]
}

/** A sender's name colour above their messages in a group: the same hue as their avatar,
 *  as a theme variable (main.scss --peer-name-N), darker in the light theme so that the name
 *  stays readable on a white bubble. */
export function peerNameColor(id: number): string {
  return `var(--peer-name-${index(id)})`
}
