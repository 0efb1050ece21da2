// Files dragged from the desktop onto the composer. Only drags that carry files are taken,
// so that dragging text inside the page still works as usual.
import { computed, ref, type ComputedRef } from 'vue'

export interface FileDrop {
  /** Files are being dragged over the target: show the drop hint. */
  active: ComputedRef<boolean>
  enter(e: DragEvent): void
  over(e: DragEvent): void
  leave(e: DragEvent): void
  drop(e: DragEvent): void
  /** Forget the drag: it ended elsewhere (another drop zone inside took the files) or the
   *  user gave up with Esc. */
  reset(): void
}

const hasFiles = (e: DragEvent): boolean => e.dataTransfer?.types.includes('Files') ?? false

export function useFileDrop(onFiles: (files: File[]) => void): FileDrop {
  // enter/leave fire for every child crossed: a counter tells when the pointer really left.
  const depth = ref(0)
  const step = (e: DragEvent, by: number): void => {
    if (!hasFiles(e)) return
    // Taking the event is what allows the drop (and stops the browser opening the file).
    e.preventDefault()
    depth.value = Math.max(0, depth.value + by)
  }
  return {
    active: computed(() => depth.value > 0),
    enter: (e) => { step(e, 1) },
    over: (e) => { step(e, 0) },
    leave: (e) => { step(e, -1) },
    drop: (e) => {
      if (!hasFiles(e)) return
      e.preventDefault()
      depth.value = 0
      onFiles(Array.from(e.dataTransfer?.files ?? []))
    },
    reset: () => { depth.value = 0 },
  }
}
