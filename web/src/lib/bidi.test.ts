import { describe, expect, it } from 'vitest'
import { balanceIsolates, hasBidiControls, isolate, isolateRuns, linkTarget, showBidiControls } from './bidi'

const RLO = '\u202E'
const FSI = '\u2068'
const PDI = '\u2069'

describe('bidi controls', () => {
  it('finds every kind of control and nothing else', () => {
    for (const c of ['\u061C', '\u200E', '\u200F', '\u202A', '\u202B', '\u202C', '\u202D', RLO, '\u2066', '\u2067', FSI, PDI]) {
      expect(hasBidiControls(`a${c}b`)).toBe(true)
    }
    expect(hasBidiControls('https://example.org/مرحبا/שלום?q=1#x')).toBe(false)
    expect(hasBidiControls('zero\u200Bwidth\u200Djoiner')).toBe(false)
  })

  it('shows controls as visible text', () => {
    expect(showBidiControls(`https://evil.example/${RLO}moc.knab.www`)).toBe('https://evil.example/[U+202E]moc.knab.www')
    expect(showBidiControls('a\u061Cb\u200Fc')).toBe('a[U+061C]b[U+200F]c')
    expect(showBidiControls('plain')).toBe('plain')
  })
})

describe('isolates', () => {
  it('drops a PDI that closes nothing and closes what is left open', () => {
    expect(balanceIsolates(`Bob${PDI}${RLO}`)).toBe(`Bob${RLO}`)
    expect(balanceIsolates(`a${FSI}b`)).toBe(`a${FSI}b${PDI}`)
    expect(balanceIsolates(`${FSI}a${PDI}${PDI}b`)).toBe(`${FSI}a${PDI}b`)
    expect(balanceIsolates('plain')).toBe('plain')
  })

  it('isolates user text so that it cannot leave its isolate', () => {
    expect(isolate(`Eve${PDI}${RLO}`)).toBe(`${FSI}Eve${RLO}${PDI}`)
    expect(isolate(`\u2067x`)).toBe(`${FSI}\u2067x${PDI}${PDI}`)
  })

  it('splits a composed sentence into runs and nested isolates', () => {
    expect(isolateRuns(`${isolate(`Eve${RLO}`)} added ${isolate('Bob')}`)).toEqual([
      { dir: 'auto', runs: [`Eve${RLO}`] }, ' added ', { dir: 'auto', runs: ['Bob'] },
    ])
    expect(isolateRuns(`a\u2066b\u2067c${PDI}${PDI}d`)).toEqual([
      'a', { dir: 'ltr', runs: ['b', { dir: 'rtl', runs: ['c'] }] }, 'd',
    ])
    // A stray PDI is dropped; an isolate left open ends with the text.
    expect(isolateRuns(`x${PDI}y${FSI}z`)).toEqual(['xy', { dir: 'auto', runs: ['z'] }])
    expect(isolateRuns('')).toEqual([])
  })
})

describe('linkTarget', () => {
  it('names the host a link really opens', () => {
    expect(linkTarget('https://evil.example/moc.knab.www//:sptth')).toEqual({ kind: 'web', host: 'evil.example' })
    expect(linkTarget('http://user:pw@www.bank.com.evil.example:8080/x')).toEqual({ kind: 'web', host: 'www.bank.com.evil.example:8080' })
    // Punycode, so that look-alike letters show.
    expect(linkTarget('https://раураl.com/')).toEqual({ kind: 'web', host: 'xn--l-7sba6dbr.com' })
    expect(linkTarget('mailto:a@example.org')).toEqual({ kind: 'mail', address: 'a@example.org' })
  })

  it('refuses what a browser would not open as a web link', () => {
    expect(linkTarget(`https://evil${RLO}.example/`)).toBeNull()
    expect(linkTarget('javascript:alert(1)')).toBeNull()
    expect(linkTarget('not a url')).toBeNull()
  })
})
