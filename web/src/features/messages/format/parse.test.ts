import { describe, expect, it } from 'vitest'
import { parseMessage, plainText, showUrlControls, type FormatNode } from './parse'

const text = (t: string): FormatNode => ({ type: 'text', text: t })

describe('parseMessage', () => {
  it('leaves plain text alone', () => {
    expect(parseMessage('hello world')).toEqual([text('hello world')])
    expect(parseMessage('')).toEqual([])
  })

  it('parses each style', () => {
    expect(parseMessage('a **b** c')).toEqual([text('a '), { type: 'bold', children: [text('b')] }, text(' c')])
    expect(parseMessage('__i__')).toEqual([{ type: 'italic', children: [text('i')] }])
    expect(parseMessage('~~s~~')).toEqual([{ type: 'strike', children: [text('s')] }])
    expect(parseMessage('||secret||')).toEqual([{ type: 'spoiler', children: [text('secret')] }])
    expect(parseMessage('run `ls -la` now')).toEqual([text('run '), { type: 'code', text: 'ls -la' }, text(' now')])
  })

  it('nests styles', () => {
    expect(parseMessage('**bold __both__**')).toEqual([
      { type: 'bold', children: [text('bold '), { type: 'italic', children: [text('both')] }] },
    ])
    expect(parseMessage('||**x**||')).toEqual([{ type: 'spoiler', children: [{ type: 'bold', children: [text('x')] }] }])
  })

  it('keeps unclosed and crossed markers as text', () => {
    expect(parseMessage('**open')).toEqual([text('**open')])
    expect(parseMessage('a__b')).toEqual([text('a__b')])
    expect(parseMessage('****')).toEqual([text('****')])
    expect(parseMessage('2 ** 3 ** 4')).toEqual([text('2 ** 3 ** 4')])
    // Crossed: the bold pair wins, the italic opener inside it is text.
    expect(parseMessage('**a __b** c__')).toEqual([
      { type: 'bold', children: [text('a __b')] },
      text(' c__'),
    ])
    expect(plainText(parseMessage('**a __b** c__'))).toBe('a __b c__')
  })

  it('does not format inside code', () => {
    expect(parseMessage('`**not bold**`')).toEqual([{ type: 'code', text: '**not bold**' }])
    expect(parseMessage('**`code` in bold**')).toEqual([
      { type: 'bold', children: [{ type: 'code', text: 'code' }, text(' in bold')] },
    ])
    expect(parseMessage('``')).toEqual([text('``')])
  })

  it('parses fenced code blocks raw, with a language', () => {
    expect(parseMessage('see:\n```py\nx = **1**\n<b>y</b>\n```\nok')).toEqual([
      text('see:\n'),
      { type: 'pre', text: 'x = **1**\n<b>y</b>', lang: 'py' },
      text('\nok'),
    ])
    expect(parseMessage('```one line```')).toEqual([{ type: 'pre', text: 'one line', lang: '' }])
    expect(parseMessage('```\nunclosed')).toEqual([text('```\nunclosed')])
  })

  it('keeps URLs whole, underscores and asterisks included', () => {
    expect(parseMessage('https://example.com/a__b__c and *x*')).toEqual([
      { type: 'link', text: 'https://example.com/a__b__c', href: 'https://example.com/a__b__c' },
      text(' and *x*'),
    ])
    expect(parseMessage('**https://example.com/x**')).toEqual([
      { type: 'bold', children: [{ type: 'link', text: 'https://example.com/x', href: 'https://example.com/x' }] },
    ])
    expect(parseMessage('mail x@example.com')).toEqual([
      text('mail '),
      { type: 'link', text: 'x@example.com', href: 'mailto:x@example.com' },
    ])
  })

  it('makes only http(s) and mailto links', () => {
    const nodes = parseMessage('javascript:alert(1) example.com')
    expect(nodes.filter((n) => n.type === 'link')).toEqual([
      { type: 'link', text: 'example.com', href: 'https://example.com' },
    ])
  })

  it('makes no link of a URL holding a bidi control, and shows the control', () => {
    // U+202E would show "https://evil.example/https://www.bank.com" (the tail turned around).
    expect(parseMessage('see https://evil.example/\u202Emoc.knab.www//:sptth now')).toEqual([
      text('see https://evil.example/[U+202E]moc.knab.www//:sptth now'),
    ])
    for (const c of ['\u202A', '\u202B', '\u202C', '\u202D', '\u2066', '\u2067', '\u2068', '\u2069', '\u200E', '\u200F', '\u061C']) {
      const nodes = parseMessage(`https://example.com/a${c}b`)
      expect(nodes.filter((n) => n.type === 'link')).toEqual([])
      expect(plainText(nodes)).not.toContain(c)
    }
    expect(parseMessage('https://evil\u202E.example/x').filter((n) => n.type === 'link')).toEqual([])
  })

  it('shows the controls inside URLs in one-line previews too', () => {
    expect(showUrlControls('\u202Eso https://evil.example/\u202Emoc.knab.www ok')).toBe('\u202Eso https://evil.example/[U+202E]moc.knab.www ok')
    expect(showUrlControls('plain \u202Etext')).toBe('plain \u202Etext')
  })

  it('still links a URL next to a control outside it', () => {
    // The control is text; FormattedText isolates the link so it cannot turn it around.
    expect(parseMessage('\u202Ehttps://evil.example/moc.knab.www//:sptth')).toEqual([
      text('\u202E'),
      { type: 'link', text: 'https://evil.example/moc.knab.www//:sptth', href: 'https://evil.example/moc.knab.www//:sptth' },
    ])
  })

  it('keeps markup as text, even in styles', () => {
    expect(parseMessage('**<img src=x onerror=alert(1)>**')).toEqual([
      { type: 'bold', children: [text('<img src=x onerror=alert(1)>')] },
    ])
  })

  it('handles Cyrillic', () => {
    expect(parseMessage('**привет** __мир__ ||тайна||')).toEqual([
      { type: 'bold', children: [text('привет')] },
      text(' '),
      { type: 'italic', children: [text('мир')] },
      text(' '),
      { type: 'spoiler', children: [text('тайна')] },
    ])
  })

  it('finds @mentions as the server does', () => {
    // "@al" is too short for a username: it stays text.
    expect(parseMessage('hi @bob_smith, and @al.')).toEqual([
      text('hi '),
      { type: 'mention', username: 'bob_smith', text: '@bob_smith' },
      text(', and @al.'),
    ])
    expect(parseMessage('**@alice__x** word@bob')).toEqual([
      { type: 'bold', children: [{ type: 'mention', username: 'alice__x', text: '@alice__x' }] },
      text(' word@bob'),
    ])
    expect(parseMessage('thanks @carol.')).toEqual([
      text('thanks '),
      { type: 'mention', username: 'carol', text: '@carol' },
      text('.'),
    ])
  })

  it('gives the plain text without markers', () => {
    expect(plainText(parseMessage('**a** __b__ `c` ||d||'))).toBe('a b c d')
  })
})
