import { describe, expect, it } from 'vitest'
import { mount } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import CallGrid, { type GridTile } from './CallGrid.vue'

function tiles(count: number, over: Partial<GridTile> = {}): GridTile[] {
  return Array.from({ length: count }, (_, i) => ({
    userId: i + 1, connection: 'connected', stream: null, video: false, muted: false, talking: false,
    person: { id: i + 1, name: `Person ${i + 1}`, avatarUrl: null }, status: 'connected', ...over,
  }))
}

const shownIds = (w: ReturnType<typeof mount>) => w.findAll('li.tile').map((li) => Number(li.attributes('data-user-id')))

describe('CallGrid', () => {
  it('lays out up to nine tiles on one page, in columns that follow the count', () => {
    setActivePinia(createPinia())
    for (const [count, columns] of [[1, '1'], [2, '2'], [4, '2'], [5, '3'], [9, '3']] as const) {
      const w = mount(CallGrid, { props: { tiles: tiles(count), videoCall: true } })
      expect(shownIds(w)).toHaveLength(count)
      expect((w.find('ul').element as HTMLElement).style.getPropertyValue('--columns')).toBe(columns)
      expect(w.find('nav').exists()).toBe(false)
      w.unmount()
    }
  })

  it('pages beyond nine, and never stays on a page that is gone', async () => {
    setActivePinia(createPinia())
    const w = mount(CallGrid, { props: { tiles: tiles(12), videoCall: true } })
    expect(shownIds(w)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9])
    expect(w.find('nav').text()).toContain('1 of 2')
    await w.get('button[aria-label="Next page"]').trigger('click')
    expect(shownIds(w)).toEqual([10, 11, 12])
    await w.setProps({ tiles: tiles(7) })
    expect(shownIds(w)).toEqual([1, 2, 3, 4, 5, 6, 7])
    expect(w.find('nav').exists()).toBe(false)
  })

  it('shows video only for who sends it, marks the muted and outlines the one talking', () => {
    setActivePinia(createPinia())
    const list = tiles(3).map((tile, i) => ({ ...tile, video: i === 0, muted: i === 1, talking: i === 2 }))
    const w = mount(CallGrid, { props: { tiles: list, videoCall: true } })
    const [first, second, third] = w.findAll('li.tile')
    expect(first?.find('video').exists()).toBe(true)
    expect(second?.find('video').exists()).toBe(false)
    expect(second?.find('[aria-label="muted"]').exists()).toBe(true)
    expect(third?.classes()).toContain('speaking')
    expect(first?.classes()).not.toContain('speaking')
  })
})
