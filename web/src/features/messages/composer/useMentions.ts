// The @ list of the composer: typing "@" (and more) in a group offers its members; arrows
// move, Enter or Tab inserts "@username ", Esc closes, a click works too.
import { computed, nextTick, ref, type Ref } from 'vue'
import type { UserPublic } from '@/api/types'
import { insertMention, mentionCandidates, typedMention } from '../mentions'

export function useMentions(opts: {
  input: Ref<HTMLTextAreaElement | null>
  text: Ref<string>
  /** Who can be mentioned: a group's members; none in a private chat. */
  members: () => readonly UserPublic[]
  meId: () => number | null
}) {
  const typed = ref<{ start: number; query: string } | null>(null)
  const active = ref(0)
  const candidates = computed(() => (typed.value ? mentionCandidates(opts.members(), typed.value.query, opts.meId()) : []))
  const open = computed(() => candidates.value.length > 0)

  /** After input or a caret move: is an @name being typed before the caret? */
  function update(): void {
    const el = opts.input.value
    const before = typed.value?.query
    typed.value = el && opts.members().length > 0 ? typedMention(opts.text.value, el.selectionStart) : null
    if (typed.value?.query !== before) active.value = 0
  }

  function close(): void {
    typed.value = null
  }

  function choose(user: UserPublic): void {
    const at = typed.value
    const el = opts.input.value
    if (!at || !el) return
    const result = insertMention(opts.text.value, at.start, el.selectionStart, user.username)
    opts.text.value = result.text
    typed.value = null
    void nextTick(() => {
      el.focus()
      el.setSelectionRange(result.caret, result.caret)
    })
  }

  /** The composer's keys while the list is open; true when the key was the list's. */
  function keydown(e: KeyboardEvent): boolean {
    if (!open.value) return false
    const n = candidates.value.length
    if (e.key === 'ArrowDown') active.value = (active.value + 1) % n
    else if (e.key === 'ArrowUp') active.value = (active.value - 1 + n) % n
    else if ((e.key === 'Enter' && !e.shiftKey) || e.key === 'Tab') {
      const user = candidates.value[active.value]
      if (user) choose(user)
    } else if (e.key === 'Escape') close()
    else return false
    e.preventDefault()
    return true
  }

  return { typed, active, candidates, open, update, close, choose, keydown }
}
