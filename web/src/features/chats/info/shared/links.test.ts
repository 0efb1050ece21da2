import { describe, expect, it } from 'vitest'
import { linksIn } from './links'

describe('linksIn', () => {
  it('finds every http(s) link with its site, in order', () => {
    expect(linksIn('see HTTPS://www.Example.com/a?b=1, and http://x.org.')).toEqual([
      { href: 'HTTPS://www.Example.com/a?b=1', text: 'HTTPS://www.Example.com/a?b=1', host: 'example.com' },
      { href: 'http://x.org', text: 'http://x.org', host: 'x.org' },
    ])
  })

  it('leaves out what is not a web link', () => {
    expect(linksIn('mail me@example.com or ftp://files.example.com; plain text')).toEqual([])
    // A bidi control would show another address than the one opened.
    expect(linksIn('https://evil.example/\u202Emoc.knab.www//:sptth')).toEqual([])
  })
})
