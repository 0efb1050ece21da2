// Ctrl+B / Ctrl+I in the composer: the selection wrapped in ** or __ (or unwrapped when it
// already is), the selection kept on the same words.
import { nextTick } from 'vue'

export interface Wrapped {
  text: string
  start: number
  end: number
}

export function toggleWrap(text: string, start: number, end: number, marker: string): Wrapped {
  const m = marker.length
  // Already wrapped just outside the selection: unwrap.
  if (text.slice(start - m, start) === marker && text.slice(end, end + m) === marker) {
    return { text: text.slice(0, start - m) + text.slice(start, end) + text.slice(end + m), start: start - m, end: end - m }
  }
  // The selection includes the markers: unwrap.
  const selected = text.slice(start, end)
  if (selected.length >= 2 * m + 1 && selected.startsWith(marker) && selected.endsWith(marker)) {
    return { text: text.slice(0, start) + selected.slice(m, -m) + text.slice(end), start, end: end - 2 * m }
  }
  return { text: text.slice(0, start) + marker + selected + marker + text.slice(end), start: start + m, end: end + m }
}

/** The marker for a shortcut (by the key's place, so a Russian layout works too), or null. */
export function shortcutMarker(e: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'code'>): string | null {
  if (!(e.ctrlKey || e.metaKey) || e.altKey || e.shiftKey) return null
  if (e.code === 'KeyB') return '**'
  if (e.code === 'KeyI') return '__'
  return null
}

/** The composer's Ctrl+B / Ctrl+I: true when the key was one (the text and selection changed). */
export function wrapShortcut(e: KeyboardEvent, el: HTMLTextAreaElement | null, text: { value: string }): boolean {
  const marker = shortcutMarker(e)
  if (!marker || !el) return false
  e.preventDefault()
  const result = toggleWrap(text.value, el.selectionStart, el.selectionEnd, marker)
  text.value = result.text
  // v-model writes the value on the next render; the selection is set after it (before the
  // next key is handled: both are microtasks of this keydown).
  void nextTick(() => { el.setSelectionRange(result.start, result.end) })
  return true
}
