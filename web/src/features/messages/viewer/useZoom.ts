// Zoom and pan of the image viewer: a scale from 1 (fitted) to MAX_SCALE and an offset in
// screen pixels, applied as one CSS transform. Kept apart from the component to be tested.
import { computed, ref, type ComputedRef, type Ref } from 'vue'

export const MAX_SCALE = 4
/** One click or key press zooms by this factor (1 -> 2 -> 4, as Telegram's steps). */
export const ZOOM_STEP = 2
// A pointer that moved less than this between down and up clicked, it did not drag.
const CLICK_SLOP_PX = 4

export interface Zoom {
  scale: Ref<number>
  transform: ComputedRef<string>
  zoomed: ComputedRef<boolean>
  zoomIn: () => void
  zoomOut: () => void
  reset: () => void
  /** A wheel turn: up zooms in, down zooms out, in proportion to how far it turned. */
  wheel: (deltaY: number) => void
  /** Pointer down/move/up: dragging pans while zoomed. `up` says whether it was a click. */
  down: (x: number, y: number) => void
  move: (x: number, y: number) => void
  up: (x: number, y: number) => boolean
}

const clamp = (n: number): number => Math.min(MAX_SCALE, Math.max(1, n))

export function useZoom(): Zoom {
  const scale = ref(1)
  const x = ref(0)
  const y = ref(0)
  let drag: { x: number; y: number; startX: number; startY: number } | null = null

  function setScale(next: number): void {
    scale.value = clamp(next)
    // Back at fit size the image is centred again.
    if (scale.value === 1) x.value = y.value = 0
  }

  return {
    scale,
    transform: computed(() => `translate(${x.value}px, ${y.value}px) scale(${scale.value})`),
    zoomed: computed(() => scale.value > 1),
    zoomIn: () => { setScale(scale.value * ZOOM_STEP) },
    zoomOut: () => { setScale(scale.value / ZOOM_STEP) },
    reset: () => { setScale(1) },
    // 0.002 per pixel: one notch of a mouse wheel (100 px) zooms by about 1.2.
    wheel: (deltaY) => { setScale(scale.value * Math.exp(-deltaY * 0.002)) },
    down: (px, py) => { drag = { x: px, y: py, startX: px, startY: py } },
    move: (px, py) => {
      if (!drag || scale.value === 1) return
      x.value += px - drag.x
      y.value += py - drag.y
      drag.x = px
      drag.y = py
    },
    up: (px, py) => {
      const start = drag
      drag = null
      return !!start && Math.hypot(px - start.startX, py - start.startY) < CLICK_SLOP_PX
    },
  }
}
