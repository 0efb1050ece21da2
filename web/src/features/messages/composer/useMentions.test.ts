import { describe, expect, it } from 'vitest'
import { nextTick, ref } from 'vue'
import type { UserPublic } from '@/api/types'
import { useMentions } from './useMentions'

const person = (id: number, username: string, displayName: string): UserPublic =>
  ({ id, username, displayName, avatarUrl: null, status: 'offline', lastSeen: null, deactivated: false })
const members = [person(1, 'me', 'Me Myself'), person(2, 'bob', 'Bob Builder'), person(3, 'bella', 'Bella Swan'), person(4, 'carl', 'Carl Bo')]

function setup(initial: string, group = true) {
  const el = document.createElement('textarea')
  document.body.append(el)
  const text = ref(initial)
  el.value = initial
  el.setSelectionRange(initial.length, initial.length)
  const m = useMentions({ input: ref(el), text, members: () => (group ? members : []), meId: () => 1 })
  m.update()
  return { m, text, el }
}

const key = (k: string, extra: KeyboardEventInit = {}) => new KeyboardEvent('keydown', { key: k, cancelable: true, ...extra })

describe('useMentions', () => {
  it('offers the members matching what follows the @, not the writer', () => {
    const { m } = setup('hi @b')
    expect(m.candidates.value.map((u) => u.username)).toEqual(['bella', 'bob', 'carl'])
    expect(setup('hi @').m.candidates.value.map((u) => u.username)).toEqual(['bella', 'bob', 'carl'])
  })

  it('offers nobody in a private chat or outside an @word', () => {
    expect(setup('hi @b', false).m.open.value).toBe(false)
    expect(setup('mail@b').m.open.value).toBe(false)
  })

  it('moves with the arrows and inserts with Enter or Tab', async () => {
    const { m, text } = setup('hi @b')
    expect(m.keydown(key('ArrowDown'))).toBe(true)
    expect(m.active.value).toBe(1)
    expect(m.keydown(key('ArrowUp'))).toBe(true)
    expect(m.keydown(key('ArrowUp'))).toBe(true)
    expect(m.active.value).toBe(2)
    const enter = key('Enter')
    expect(m.keydown(enter)).toBe(true)
    expect(enter.defaultPrevented).toBe(true)
    expect(text.value).toBe('hi @carl ')
    expect(m.open.value).toBe(false)
    await nextTick()
    // Closed: Enter is the composer's again (send).
    expect(m.keydown(key('Enter'))).toBe(false)

    const second = setup('@bo')
    expect(second.m.keydown(key('Tab'))).toBe(true)
    expect(second.text.value).toBe('@bob ')
  })

  it('closes with Esc', () => {
    const { m, text } = setup('@be')
    expect(m.keydown(key('Escape'))).toBe(true)
    expect(m.open.value).toBe(false)
    expect(text.value).toBe('@be')
  })
})
