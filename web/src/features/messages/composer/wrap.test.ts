import { describe, expect, it } from 'vitest'
import { shortcutMarker, toggleWrap } from './wrap'

describe('toggleWrap', () => {
  it('wraps the selection and keeps it selected', () => {
    expect(toggleWrap('say hello now', 4, 9, '**')).toEqual({ text: 'say **hello** now', start: 6, end: 11 })
  })
  it('puts the caret between the markers without a selection', () => {
    expect(toggleWrap('ab', 1, 1, '__')).toEqual({ text: 'a____b', start: 3, end: 3 })
  })
  it('unwraps what is wrapped, inside or including the markers', () => {
    expect(toggleWrap('say **hello** now', 6, 11, '**')).toEqual({ text: 'say hello now', start: 4, end: 9 })
    expect(toggleWrap('say **hello** now', 4, 13, '**')).toEqual({ text: 'say hello now', start: 4, end: 9 })
  })
})

describe('shortcutMarker', () => {
  const key = (code: string, extra = {}) => ({ ctrlKey: true, metaKey: false, altKey: false, shiftKey: false, code, ...extra })
  it('maps Ctrl/Cmd+B and +I by key position', () => {
    expect(shortcutMarker(key('KeyB'))).toBe('**')
    expect(shortcutMarker(key('KeyI', { ctrlKey: false, metaKey: true }))).toBe('__')
    expect(shortcutMarker(key('KeyB', { shiftKey: true }))).toBeNull()
    expect(shortcutMarker(key('KeyB', { ctrlKey: false }))).toBeNull()
    expect(shortcutMarker(key('KeyU'))).toBeNull()
  })
})
