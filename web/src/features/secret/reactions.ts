// Reactions in secret chats travel as encrypted control messages (payload kind 'reaction'),
// which may be decrypted in any order (an older history page comes later), so each
// (message, emoji, person) keeps the state of the newest control message by seq: applying
// the same set of control messages in any order gives the same reactions.

export interface ReactionMark {
  target: number
  emoji: string
  userId: number
  on: boolean
  /** The control message's seq: the later one wins. */
  seq: number
}

export type ReactionMap = Record<string, number[]>

export class ReactionLog {
  private readonly byTarget = new Map<number, Map<string, ReactionMark>>()

  /** True when the mark changed what is shown. */
  apply(mark: ReactionMark): boolean {
    let marks = this.byTarget.get(mark.target)
    if (!marks) {
      marks = new Map()
      this.byTarget.set(mark.target, marks)
    }
    const key = `${mark.userId}\u0000${mark.emoji}`
    const old = marks.get(key)
    if (old && old.seq >= mark.seq) return false
    marks.set(key, mark)
    return old?.on !== mark.on
  }

  /** The reactions of a message, as the server's Message.reactions shapes them (emoji →
   *  user ids), in the order the emoji were first put on. */
  of(target: number): ReactionMap {
    const result: ReactionMap = {}
    const marks = [...(this.byTarget.get(target)?.values() ?? [])].sort((a, b) => a.seq - b.seq)
    for (const mark of marks) {
      if (!mark.on) continue
      const list = result[mark.emoji] ?? []
      list.push(mark.userId)
      result[mark.emoji] = list
    }
    return result
  }

  forget(target: number): void {
    this.byTarget.delete(target)
  }

  clear(): void {
    this.byTarget.clear()
  }
}
