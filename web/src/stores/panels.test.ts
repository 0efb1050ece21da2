import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'
import { usePanelsStore } from './panels'

beforeEach(() => { setActivePinia(createPinia()) })
afterEach(() => { document.body.innerHTML = '' })

describe('panels', () => {
  it('remembers the focused opener of each column when it opens', () => {
    const panels = usePanelsStore()
    const button = document.createElement('button')
    document.body.append(button)
    button.focus()
    panels.open('settings')
    button.blur()
    panels.open('info')
    expect([panels.settings, panels.info]).toEqual([true, true])
    expect(panels.opener('settings')).toBe(button)
    expect(panels.opener('info')).toBeNull() // nothing was focused: no place to return to
    panels.close('settings')
    expect([panels.settings, panels.info]).toEqual([false, true])
  })
})
