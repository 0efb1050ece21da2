import { describe, expect, it } from 'vitest'
import { charCount, cleanContent, firstLine, insertAt } from './text'

describe('cleanContent', () => {
  it('drops blank lines before and after but keeps inner newlines', () => {
    expect(cleanContent('\n  \n\nhello\n\n world\n \n\t\n')).toBe('hello\n\n world')
  })

  it('keeps the indentation of the first line (code)', () => {
    expect(cleanContent('\n    indented()\n')).toBe('    indented()')
  })

  it('is empty for whitespace only', () => {
    expect(cleanContent(' \n\t \n ')).toBe('')
  })
})

describe('charCount', () => {
  it('counts code points like the server', () => {
    expect(charCount('abc')).toBe(3)
    expect(charCount('👍🏽x')).toBe(3)
    expect('👍'.length).toBe(2)
    expect(charCount('👍')).toBe(1)
  })
})

describe('insertAt', () => {
  it('inserts at the caret, not at the end, and moves the caret after it', () => {
    expect(insertAt('hello world', 5, 5, '😀')).toEqual({ text: 'hello😀 world', caret: 7 })
  })

  it('replaces a selection', () => {
    expect(insertAt('hello world', 6, 11, '🌍')).toEqual({ text: 'hello 🌍', caret: 8 })
  })

  it('clamps positions out of range', () => {
    expect(insertAt('hi', 10, 12, '!')).toEqual({ text: 'hi!', caret: 3 })
  })
})

describe('firstLine', () => {
  it('takes the first non-blank line', () => {
    expect(firstLine('\n  first line \nsecond')).toBe('first line')
    expect(firstLine('')).toBe('')
  })
})
