import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { isolate } from '@/lib/bidi'
import BidiText from './BidiText'

describe('BidiText', () => {
  it('holds user text in a <bdi> it cannot leave', () => {
    const el = mount(BidiText, { props: { text: 'Eve\u2069\u202E' } }).element as HTMLElement
    expect(el.tagName).toBe('BDI')
    // The stray PDI that would close the <bdi>'s isolation early is gone.
    expect(el.textContent).toBe('Eve\u202E')
  })

  it('shows the isolates of a sentence as nested <bdi>, without their characters', () => {
    const text = `${isolate('Eve\u202E')} added ${isolate('Bob')}`
    const el = mount(BidiText, { props: { text } }).element as HTMLElement
    expect(el.textContent).toBe('Eve\u202E added Bob')
    expect([...el.querySelectorAll('bdi')].map((b) => b.textContent)).toEqual(['Eve\u202E', 'Bob'])
    const ltr = mount(BidiText, { props: { text: 'a\u2066b\u2069' } }).element as HTMLElement
    expect(ltr.querySelector('bdi')?.getAttribute('dir')).toBe('ltr')
  })
})
