// Text direction of user-supplied text (docs/web.md "Text direction"). The invisible bidi
// controls reorder what follows them: "\u202E" (RIGHT-TO-LEFT OVERRIDE) before
// "https://evil.example/moc.knab.www//:sptth" shows "https://www.bank.com/elpmaxe.live//:sptth".
// So every piece of user text is isolated (<bdi>, dir="auto", or FSI…PDI inside a composed
// sentence) and cannot reorder the interface around it, and a link never shows other
// characters than its address.

/** Embeddings and overrides (U+202A–U+202E), isolates (U+2066–U+2069), the marks LRM, RLM
 *  (U+200E, U+200F) and the Arabic letter mark (U+061C). */
const CONTROL = '\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069'
const CONTROLS = new RegExp(`[${CONTROL}]`, 'gu')
const ANY_CONTROL = new RegExp(`[${CONTROL}]`, 'u')

const FSI = '\u2068' // FIRST STRONG ISOLATE: the direction of what it holds, from its own text
const PDI = '\u2069' // POP DIRECTIONAL ISOLATE
const OPENERS: Readonly<Record<string, IsolateDir>> = { '\u2066': 'ltr', '\u2067': 'rtl', [FSI]: 'auto' }

export type IsolateDir = 'ltr' | 'rtl' | 'auto'

export function hasBidiControls(text: string): boolean {
  return ANY_CONTROL.test(text)
}

/** Each control as visible text ("[U+202E]"), so it can no longer reorder anything and the
 *  reader sees that something was hidden there. */
export function showBidiControls(text: string): string {
  return text.replace(CONTROLS, (c) => `[U+${(c.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}]`)
}

/** The text with its isolates balanced: a PDI that closes nothing is dropped (else it would
 *  close the isolate the text is put in, and what follows would leave it: browsers do match
 *  it with the element's own isolation), and isolates left open are closed. Embeddings and
 *  overrides need nothing: the end of the isolate around them ends them. */
export function balanceIsolates(text: string): string {
  let open = 0
  let out = ''
  for (const c of text) {
    if (c in OPENERS) open += 1
    else if (c === PDI) {
      if (open === 0) continue
      open -= 1
    }
    out += c
  }
  return out + PDI.repeat(open)
}

/** User text for a sentence of the interface ("{name} is typing…"): isolated by FSI…PDI,
 *  so its direction is its own and it cannot reorder the words around it. BidiText shows
 *  these isolates as <bdi> elements. */
export function isolate(text: string): string {
  return FSI + balanceIsolates(text) + PDI
}

/** A composed sentence without its isolates' characters, for where only words count and
 *  nothing is laid out (an aria-label). */
export function withoutIsolates(text: string): string {
  return text.replace(/[\u2066-\u2069]/g, '')
}

export type Run = string | { dir: IsolateDir; runs: Run[] }

/** The text as plain runs and isolates (nested as they are nested), for rendering each
 *  isolate as an element: the controls themselves are not kept. A PDI that closes nothing
 *  is dropped; an isolate still open at the end ends there. */
export function isolateRuns(text: string): Run[] {
  const root: Run[] = []
  const stack: Run[][] = [root]
  let plain = ''
  const flush = (): void => {
    if (plain) stack[stack.length - 1]?.push(plain)
    plain = ''
  }
  for (const c of text) {
    const dir = OPENERS[c]
    if (dir) {
      flush()
      const runs: Run[] = []
      stack[stack.length - 1]?.push({ dir, runs })
      stack.push(runs)
    } else if (c === PDI) {
      if (stack.length === 1) continue
      flush()
      stack.pop()
    } else {
      plain += c
    }
  }
  flush()
  return root
}

export type LinkTarget = { kind: 'web'; host: string } | { kind: 'mail'; address: string }

/** Where a link really goes: the host of an http(s) URL ("evil.example"; punycode for an
 *  international name, so look-alike letters show) or the address of a mailto: link; null
 *  for anything else, or a URL the browser would not open. */
export function linkTarget(href: string): LinkTarget | null {
  let url: URL
  try {
    url = new URL(href)
  } catch {
    return null
  }
  if (url.protocol === 'mailto:') return url.pathname ? { kind: 'mail', address: url.pathname } : null
  if ((url.protocol === 'http:' || url.protocol === 'https:') && url.host) return { kind: 'web', host: url.host }
  return null
}
