import { describe, expect, it } from 'vitest'
import { MAX_SCALE, useZoom } from './useZoom'

describe('useZoom', () => {
  it('zooms in steps up to the maximum, and out no further than fitted', () => {
    const zoom = useZoom()
    zoom.zoomIn()
    expect(zoom.scale.value).toBe(2)
    for (let i = 0; i < 5; i++) zoom.zoomIn()
    expect(zoom.scale.value).toBe(MAX_SCALE)
    for (let i = 0; i < 5; i++) zoom.zoomOut()
    expect(zoom.scale.value).toBe(1)
    expect(zoom.zoomed.value).toBe(false)
  })

  it('zooms in on a wheel turned up and out on one turned down', () => {
    const zoom = useZoom()
    zoom.wheel(-100)
    expect(zoom.scale.value).toBeGreaterThan(1)
    zoom.wheel(1000)
    expect(zoom.scale.value).toBe(1)
  })

  it('pans by dragging only while zoomed, and tells a click from a drag', () => {
    const zoom = useZoom()
    zoom.down(10, 10)
    zoom.move(60, 40)
    expect(zoom.up(60, 40)).toBe(false)
    expect(zoom.transform.value).toBe('translate(0px, 0px) scale(1)')
    zoom.zoomIn()
    zoom.down(10, 10)
    zoom.move(60, 40)
    expect(zoom.up(60, 40)).toBe(false)
    expect(zoom.transform.value).toBe('translate(50px, 30px) scale(2)')
    zoom.down(5, 5)
    expect(zoom.up(6, 6)).toBe(true)
    zoom.reset()
    expect(zoom.transform.value).toBe('translate(0px, 0px) scale(1)')
  })
})
