// The links of a message, as its bubble shows them (MessageText.vue uses the same linkifyjs
// rules): only http and https, the server's `links` kind lists exactly those messages, and
// none holding a bidi control (the bubble does not make those links either, lib/bidi.ts).
import { find } from 'linkifyjs'
import { hasBidiControls, linkTarget } from '@/lib/bidi'

export interface SharedLink {
  href: string
  /** As written in the message ("example.com/a"), for the list. */
  text: string
  /** The site, for the letter tile: "example.com". */
  host: string
}

const WEB = /^https?:\/\//i

export function linksIn(content: string): SharedLink[] {
  return find(content, 'url')
    .filter((link) => WEB.test(link.href) && !hasBidiControls(link.value) && linkTarget(link.href) !== null)
    .map((link) => ({ href: link.href, text: link.value, host: hostOf(link.href) }))
}

function hostOf(href: string): string {
  try {
    return new URL(href).hostname.replace(/^www\./, '')
  } catch {
    return href
  }
}
