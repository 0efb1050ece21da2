// Who is talking, from the sound we play: each feed's mean audio power over the last moment
// (getStats' totalAudioEnergy / totalSamplesDuration of its inbound audio), above a floor,
// held a little so the highlight does not flicker between words. Janus's own `talking`
// events need 2 s of sound louder than -25 dBov on average (its defaults), which ordinary
// speech with pauses often is not; reading our own receivers needs no server setting.

/** Mean square of the samples (amplitude 0..1): 1e-4 is -40 dBFS, quiet speech. */
export const TALKING_POWER = 1e-4
/** Talking stays on this long after the last loud moment (pauses between words). */
export const HOLD_MS = 1500
export const POLL_MS = 400

export interface Energy {
  energy: number
  duration: number
}

export class Speakers {
  readonly #last = new Map<number, Energy>()
  readonly #loudAt = new Map<number, number>()
  readonly #talking = new Set<number>()

  /** Takes each feed's running totals now; returns the feeds whose talking changed. */
  update(totals: Map<number, Energy>, now: number): Map<number, boolean> {
    for (const [feed, total] of totals) {
      const last = this.#last.get(feed)
      this.#last.set(feed, total)
      if (!last) continue
      const duration = total.duration - last.duration
      if (duration > 0 && (total.energy - last.energy) / duration > TALKING_POWER) this.#loudAt.set(feed, now)
    }
    const changed = new Map<number, boolean>()
    for (const feed of new Set([...this.#talking, ...this.#loudAt.keys()])) {
      const loudAt = this.#loudAt.get(feed)
      const talking = totals.has(feed) && loudAt !== undefined && now - loudAt < HOLD_MS
      if (talking === this.#talking.has(feed)) continue
      if (talking) this.#talking.add(feed)
      else this.#talking.delete(feed)
      changed.set(feed, talking)
    }
    for (const feed of [...this.#last.keys()]) if (!totals.has(feed)) this.#last.delete(feed)
    return changed
  }
}
