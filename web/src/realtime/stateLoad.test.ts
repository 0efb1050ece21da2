import { describe, expect, it, vi } from 'vitest'
import type { ServerEvent } from '@/api/types'
import { createStateLoader, type LoadOutcome } from './stateLoad'

const event = (seq: number): ServerEvent => ({ type: 'chat:cleared', seq } as unknown as ServerEvent)

/** A load that settles when the test says so. */
function deferred(): { load: () => Promise<void>; resolve(): void; reject(e: unknown): void } {
  let resolve!: () => void
  let reject!: (e: unknown) => void
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  return { load: () => promise, resolve, reject }
}

function outcome() {
  return {
    loaded: vi.fn<LoadOutcome['loaded']>(),
    failed: vi.fn<LoadOutcome['failed']>(),
  }
}

describe('createStateLoader', () => {
  it('lets events through while no load runs', () => {
    expect(createStateLoader().hold(event(1))).toBe(false)
  })

  it('holds the events that arrive during a load and hands them over once it is loaded', async () => {
    const loader = createStateLoader()
    const d = deferred()
    const o = outcome()
    const running = loader.run(d.load, o)
    expect(loader.hold(event(11))).toBe(true)
    expect(loader.hold(event(12))).toBe(true)
    d.resolve()
    await running
    expect(o.loaded).toHaveBeenCalledWith([event(11), event(12)])
    expect(o.failed).not.toHaveBeenCalled()
    expect(loader.hold(event(13))).toBe(false)
  })

  it('reports a failed load (the network went away) without applying what it held', async () => {
    const loader = createStateLoader()
    const d = deferred()
    const o = outcome()
    const running = loader.run(d.load, o)
    loader.hold(event(11))
    const error = new Error('No connection to the server.')
    d.reject(error)
    await expect(running).resolves.toBeUndefined() // never an unhandled rejection
    expect(o.failed).toHaveBeenCalledWith(error)
    expect(o.loaded).not.toHaveBeenCalled()
    expect(loader.hold(event(12))).toBe(false)
  })

  it('lets a newer load overtake an older one, whose outcome is never reported', async () => {
    const loader = createStateLoader()
    const first = deferred()
    const second = deferred()
    const older = outcome()
    const newer = outcome()
    const running1 = loader.run(first.load, older)
    loader.hold(event(11))
    const running2 = loader.run(second.load, newer)
    loader.hold(event(21))
    first.reject(new Error('lost'))
    await running1
    expect(loader.hold(event(22))).toBe(true) // still held for the newer load
    second.resolve()
    await running2
    expect(older.loaded).not.toHaveBeenCalled()
    expect(older.failed).not.toHaveBeenCalled()
    expect(newer.loaded).toHaveBeenCalledWith([event(21), event(22)])
  })

  it('reports nothing for a load cancelled by signing out', async () => {
    const loader = createStateLoader()
    const d = deferred()
    const o = outcome()
    const running = loader.run(d.load, o)
    loader.cancel()
    expect(loader.hold(event(11))).toBe(false)
    d.resolve()
    await running
    expect(o.loaded).not.toHaveBeenCalled()
    expect(o.failed).not.toHaveBeenCalled()
  })
})
