// Message formatting, parsed into a tree of typed nodes that components render as text:
// nothing the user wrote is ever treated as HTML. The rules are Telegram's few:
// **bold**, __italic__, ~~strike~~, ||spoiler||, `code`, ```fenced code``` and auto-links.
// Code (inline and fenced) is taken first, raw; then links and @mentions, whole (a URL's
// underscores are not italics); then the markers in what is left, paired like brackets.
// A URL holding a bidi control is not made a link (lib/bidi.ts).
import { tokenize } from 'linkifyjs'
import { hasBidiControls, linkTarget, showBidiControls } from '@/lib/bidi'

export type Style = 'bold' | 'italic' | 'strike' | 'spoiler'

export type FormatNode =
  | { type: 'text'; text: string }
  | { type: 'link'; text: string; href: string }
  | { type: 'mention'; username: string; text: string }
  | { type: 'code'; text: string }
  | { type: 'pre'; text: string; lang: string }
  | { type: Style; children: FormatNode[] }

const MARKERS: Record<string, Style> = { '**': 'bold', __: 'italic', '~~': 'strike', '||': 'spoiler' }
// Longest first is moot (all are two characters); one pass finds any of them.
const MARKER_RE = /\*\*|__|~~|\|\|/g
// The server's rule (messages/mentions.py): not after a word character, @ or a dot.
const MENTION_RE = /(?<![\p{L}\p{N}_@.])@([A-Za-z0-9_.]{3,32})/gu
// ``` then an optional language (one word alone on the opening line), then anything up to ```.
const FENCE_RE = /```(?:([\w+#.-]*)\n)?([\s\S]*?)```/g
// One line of inline code; an empty pair (``) is text.
const CODE_RE = /`([^`\n]+)`/g
const SAFE_HREF = /^(https?:|mailto:)/i

/** The message text as a tree of nodes, in order; joining all the text gives what is shown. */
export function parseMessage(text: string): FormatNode[] {
  const nodes: FormatNode[] = []
  let last = 0
  for (const m of text.matchAll(FENCE_RE)) {
    const body = m[2] ?? ''
    // A fence with nothing inside is left as text ("``````").
    if (!body.trim()) continue
    nodes.push(...parseInline(text.slice(last, m.index)))
    nodes.push({ type: 'pre', text: body.replace(/\n$/, ''), lang: (m[1] ?? '').trim() })
    last = m.index + m[0].length
  }
  nodes.push(...parseInline(text.slice(last)))
  return merge(nodes)
}

type Atom = FormatNode | { type: 'marker'; marker: string; open: boolean; close: boolean }

function parseInline(text: string): FormatNode[] {
  if (!text) return []
  const atoms: Atom[] = []
  let last = 0
  for (const m of text.matchAll(CODE_RE)) {
    atoms.push(...plainAtoms(text.slice(last, m.index)))
    atoms.push({ type: 'code', text: m[1] ?? '' })
    last = m.index + m[0].length
  }
  atoms.push(...plainAtoms(text.slice(last)))
  return build(atoms, pair(atoms), 0, atoms.length)
}

/** Links and mentions whole, and the markers of the text between them. */
function plainAtoms(text: string): Atom[] {
  const atoms: Atom[] = []
  let before = ''
  for (const token of tokenize(text)) {
    let value = token.toString()
    const href = token.isLink ? token.toHref('https') : ''
    if (token.isLink && hasBidiControls(value)) {
      // A bidi control inside a URL shows other characters than the address it opens
      // ("https://www.bank.com" for evil.example): no link, and the controls shown as such.
      atoms.push({ type: 'text', text: showBidiControls(value) })
      before += value
      continue
    }
    if (!token.isLink || !SAFE_HREF.test(href) || linkTarget(href) === null) {
      before += value
      atoms.push(...markerAtoms(value))
      continue
    }
    // linkify takes a closing marker into the URL ("**https://a.b**"): give it back when the
    // same marker was opened before the link.
    let tail = ''
    for (;;) {
      const end = value.slice(-2)
      if (!(end in MARKERS) || !before.includes(end) || value.length <= 2) break
      tail = end + tail
      value = value.slice(0, -2)
    }
    atoms.push({ type: 'link', text: value, href: tail ? token.toHref('https').slice(0, -tail.length) : href })
    before += value
    atoms.push(...markerAtoms(tail))
    before += tail
  }
  return atoms
}

/** Mentions whole (a username may hold "__"), markers in the text between them. */
function markerAtoms(text: string): Atom[] {
  const atoms: Atom[] = []
  let last = 0
  for (const m of text.matchAll(MENTION_RE)) {
    // A trailing dot ends the sentence, not the name (as on the server).
    const username = (m[1] ?? '').replace(/\.+$/, '')
    if (username.length < 3) continue
    atoms.push(...markersIn(text.slice(last, m.index)))
    atoms.push({ type: 'mention', username, text: `@${username}` })
    last = m.index + 1 + username.length
  }
  atoms.push(...markersIn(text.slice(last)))
  return atoms
}

function markersIn(text: string): Atom[] {
  const atoms: Atom[] = []
  let last = 0
  const push = (s: string): void => { if (s) atoms.push({ type: 'text', text: s }) }
  for (const m of text.matchAll(MARKER_RE)) {
    // Past the piece's edge is a link, code or a mention: not a space.
    const prev = text[m.index - 1] ?? 'x'
    const next = text[m.index + 2] ?? 'x'
    push(text.slice(last, m.index))
    // Flanking, as in Markdown: an opener is followed by a non-space, a closer follows one;
    // so "2 ** 3" and "a || b" stay as written.
    atoms.push({ type: 'marker', marker: m[0], open: !/\s/.test(next), close: !/\s/.test(prev) })
    last = m.index + 2
  }
  push(text.slice(last))
  return atoms
}

/** Opener index -> closer index, matched like brackets: a closer pairs with the nearest open
 *  marker of its kind, and markers opened inside that pair but not closed there are text. */
function pair(atoms: Atom[]): Map<number, number> {
  const pairs = new Map<number, number>()
  const stack: number[] = []
  atoms.forEach((atom, i) => {
    if (atom.type !== 'marker') return
    if (atom.close) {
      const at = stack.findLastIndex((j) => (atoms[j] as { marker?: string }).marker === atom.marker)
      // Not empty ("****" is text).
      if (at >= 0 && (stack[at] ?? -1) < i - 1) {
        pairs.set(stack[at] ?? 0, i)
        stack.length = at
        return
      }
    }
    if (atom.open) stack.push(i)
  })
  return pairs
}

function build(atoms: Atom[], pairs: Map<number, number>, from: number, to: number): FormatNode[] {
  const out: FormatNode[] = []
  for (let i = from; i < to; i++) {
    const atom = atoms[i]
    if (!atom) continue
    if (atom.type !== 'marker') {
      out.push(atom)
      continue
    }
    const end = pairs.get(i)
    if (end === undefined || end >= to) {
      out.push({ type: 'text', text: atom.marker })
      continue
    }
    out.push({ type: MARKERS[atom.marker] ?? 'bold', children: merge(build(atoms, pairs, i + 1, end)) })
    i = end
  }
  return merge(out)
}

/** Neighbouring text nodes joined (fewer DOM nodes, and simpler tests). */
function merge(nodes: FormatNode[]): FormatNode[] {
  const out: FormatNode[] = []
  for (const node of nodes) {
    const prev = out[out.length - 1]
    if (node.type === 'text' && prev?.type === 'text') out[out.length - 1] = { type: 'text', text: prev.text + node.text }
    else if (node.type !== 'text' || node.text) out.push(node)
  }
  return out
}

/** The text with the bidi controls inside its URLs shown as the bubble shows them
 *  ("[U+202E]"): for the one-line previews of a message (chat list, quotes, notifications). */
export function showUrlControls(text: string): string {
  if (!hasBidiControls(text)) return text
  return tokenize(text)
    .map((token) => {
      const value = token.toString()
      return token.isLink && hasBidiControls(value) ? showBidiControls(value) : value
    })
    .join('')
}

/** The text without the markers (what a preview or a screen reader should get). */
export function plainText(nodes: FormatNode[]): string {
  return nodes.map((n) => ('children' in n ? plainText(n.children) : n.text)).join('')
}
