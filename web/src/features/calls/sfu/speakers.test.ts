import { describe, expect, it } from 'vitest'
import { HOLD_MS, Speakers, TALKING_POWER } from './speakers'

// Running totals as getStats gives them: energy (sum of squares x seconds) and seconds.
const totals = (entries: [number, number, number][]) =>
  new Map(entries.map(([feed, energy, duration]) => [feed, { energy, duration }]))

describe('Speakers', () => {
  it('marks a feed talking while its power is above the floor, and holds it through a pause', () => {
    const speakers = new Speakers()
    const loud = TALKING_POWER * 10
    expect(speakers.update(totals([[1, 0, 0], [2, 0, 0]]), 0)).toEqual(new Map())
    // Over the next 0.4 s feed 1 is loud, feed 2 silent.
    expect(speakers.update(totals([[1, loud * 0.4, 0.4], [2, 0, 0.4]]), 400)).toEqual(new Map([[1, true]]))
    // A pause shorter than the hold: still talking, nothing changes.
    expect(speakers.update(totals([[1, loud * 0.4, 0.8], [2, 0, 0.8]]), 800)).toEqual(new Map())
    // Silent past the hold: no longer.
    expect(speakers.update(totals([[1, loud * 0.4, 2.4], [2, 0, 2.4]]), 400 + HOLD_MS + 1)).toEqual(new Map([[1, false]]))
  })

  it('counts quiet sound as silence, and forgets a feed that is gone', () => {
    const speakers = new Speakers()
    speakers.update(totals([[1, 0, 0]]), 0)
    expect(speakers.update(totals([[1, TALKING_POWER * 0.5 * 0.4, 0.4]]), 400)).toEqual(new Map())
    speakers.update(totals([[1, 1, 0.8]]), 800)
    expect(speakers.update(totals([]), 900)).toEqual(new Map([[1, false]]))
  })
})
