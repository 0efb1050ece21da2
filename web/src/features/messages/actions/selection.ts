// Multi-select of messages in the open chat (Telegram's "Select"): click toggles one,
// Shift+click extends from the last one clicked. One selection at a time, for one chat.
import { defineStore } from 'pinia'
import { computed, reactive, ref } from 'vue'

/** The ids from `anchor` to `target` inclusive, in the timeline's order (`ordered`);
 *  just the target if the anchor is no longer there. */
export function rangeIds(ordered: readonly number[], anchor: number | null, target: number): number[] {
  const to = ordered.indexOf(target)
  if (to < 0) return []
  const from = anchor === null ? -1 : ordered.indexOf(anchor)
  if (from < 0) return [target]
  return ordered.slice(Math.min(from, to), Math.max(from, to) + 1)
}

export const useSelectionStore = defineStore('selection', () => {
  const chatId = ref<number | null>(null)
  const ids = reactive(new Set<number>())
  /** The last message clicked without Shift: where a Shift+click range starts. */
  const anchor = ref<number | null>(null)
  const count = computed(() => ids.size)

  function active(chat: number): boolean {
    return chatId.value === chat
  }

  function start(chat: number, id: number): void {
    clear()
    chatId.value = chat
    ids.add(id)
    anchor.value = id
  }

  /** A click: in or out of the selection; the selection ends when it empties. */
  function toggle(id: number): void {
    if (ids.has(id)) ids.delete(id)
    else ids.add(id)
    anchor.value = id
    if (ids.size === 0) clear()
  }

  /** A Shift+click: everything between the anchor and this message is selected. */
  function extend(ordered: readonly number[], id: number): void {
    for (const each of rangeIds(ordered, anchor.value, id)) ids.add(each)
  }

  /** Messages deleted meanwhile leave the selection. */
  function forget(gone: readonly number[]): void {
    for (const id of gone) ids.delete(id)
    if (chatId.value !== null && ids.size === 0) clear()
  }

  function clear(): void {
    chatId.value = null
    ids.clear()
    anchor.value = null
  }

  return { chatId, ids, anchor, count, active, start, toggle, extend, forget, clear }
})
