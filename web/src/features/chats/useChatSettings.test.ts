import { describe, expect, it } from 'vitest'
import { inOrder } from './useChatSettings'

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (e: Error) => void } {
  let resolve = (): void => undefined
  let reject: (e: Error) => void = () => undefined
  const promise = new Promise<void>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

describe('chat settings changes', () => {
  it('reach the server one at a time, in the order they were made, a failure included', async () => {
    const started: string[] = []
    const first = deferred()
    const second = deferred()
    const a = inOrder(async () => { started.push('pin A'); await first.promise })
    const b = inOrder(async () => { started.push('pin B'); await second.promise })
    const c = inOrder(async () => { started.push('pin C') })
    await Promise.resolve()
    expect(started).toEqual(['pin A'])  // B waits for A's answer
    first.reject(new Error('refused'))
    await expect(a).rejects.toThrow('refused')
    await Promise.resolve()
    expect(started).toEqual(['pin A', 'pin B'])  // a refusal does not stop the next
    second.resolve()
    await Promise.all([b, c])
    expect(started).toEqual(['pin A', 'pin B', 'pin C'])
  })
})
