// A `ready` that did not resume means the state comes from REST as of its `seq`, with the
// events that arrive meanwhile held back and applied on top once it is loaded. A load can
// fail (the network went away between the socket's `ready` and the requests) or be overtaken
// by a newer `ready` (the socket dropped and came back during it): neither may apply held
// events to a state that was never loaded, nor end as an unhandled rejection.
import type { ServerEvent } from '@/api/types'

export interface LoadOutcome {
  /** The state is loaded: apply these events (in arrival order) on top of it. */
  loaded(held: ServerEvent[]): void
  /** It could not be: the held events are dropped (the next load covers them). */
  failed(error: unknown): void
}

export interface StateLoader {
  /** Hold an event while a load runs; false when none does (the caller applies it now). */
  hold(event: ServerEvent): boolean
  /** Load the state; settles after `loaded` or `failed` ran, or silently when a newer load
   *  or `cancel` overtook it (the newer load's outcome is the one that counts). */
  run(load: () => Promise<void>, outcome: LoadOutcome): Promise<void>
  /** Forget a load in progress (signed out): its outcome is never reported. */
  cancel(): void
}

export function createStateLoader(): StateLoader {
  let generation = 0
  let held: ServerEvent[] | null = null

  return {
    hold(event) {
      if (!held) return false
      held.push(event)
      return true
    },
    async run(load, outcome) {
      const mine = ++generation
      // Events held for an older load are dropped with it: the state this load fetches is
      // as of a newer `ready`, which already includes them.
      held = []
      let result: { ok: true } | { ok: false; error: unknown }
      try {
        await load()
        result = { ok: true }
      } catch (error) {
        result = { ok: false, error }
      }
      if (mine !== generation) return
      const events = held
      held = null
      if (result.ok) outcome.loaded(events)
      else outcome.failed(result.error)
    },
    cancel() {
      generation++
      held = null
    },
  }
}
