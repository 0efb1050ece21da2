// One promise chain per chat: every operation that reads and writes a chat's group state runs
// after the previous one settled, so concurrent events never interleave state updates. Other
// tabs of the same session share the database: where the browser has Web Locks, each task also
// holds a lock named after the chat, so two tabs never encrypt with the same ratchet state.

/** Run `task` holding the cross-tab lock `name` (or just run it where there are no Web Locks). */
export function withLock<T>(name: string, task: () => Promise<T>): Promise<T> {
  const locks = typeof navigator === 'undefined' ? undefined : (navigator.locks as LockManager | undefined)
  // request() resolves with what the callback's promise resolves with (its typing says the
  // promise itself).
  return locks ? (locks.request(name, task) as unknown as Promise<T>) : task()
}

export class KeyedQueue {
  private readonly tails = new Map<number, Promise<unknown>>()

  constructor(private readonly lockPrefix: string) {}

  run<T>(key: number, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve()
    const locked = (): Promise<T> => withLock(`${this.lockPrefix}${key}`, task)
    const next = previous.then(locked, locked)
    const tail = next.catch(() => undefined)
    this.tails.set(key, tail)
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key)
    })
    return next
  }
}
