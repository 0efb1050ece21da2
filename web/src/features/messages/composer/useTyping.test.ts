import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { TypingNotifier, type TypingCommand } from './useTyping'

let sent: { command: TypingCommand; at: number }[]
let ready: boolean
let start: number

function notifier(send?: (command: TypingCommand) => Promise<unknown>): TypingNotifier {
  return new TypingNotifier({
    send: send ?? ((command) => {
      sent.push({ command, at: Date.now() - start })
      return Promise.resolve({})
    }),
    ready: () => ready,
  })
}

/** Type `count` keys, one every `gap` ms (the first one now). */
function typeKeys(n: TypingNotifier, count: number, gap: number, text = 'hello'): void {
  for (let i = 0; i < count; i++) {
    if (i > 0) vi.advanceTimersByTime(gap)
    n.input(text.slice(0, (i % text.length) + 1))
  }
}

beforeEach(() => {
  vi.useFakeTimers()
  start = Date.now()
  sent = []
  ready = true
})

afterEach(() => {
  vi.useRealTimers()
})

describe('TypingNotifier', () => {
  it('sends one start 300 ms after the first keystroke of a burst, not one per keystroke', () => {
    const n = notifier()
    typeKeys(n, 10, 50) // 10 keys over 450 ms
    vi.advanceTimersByTime(1000)
    expect(sent).toEqual([{ command: 'typing:start', at: 300 }])
  })

  it('sends nothing for a key that is erased within the debounce window', () => {
    const n = notifier()
    n.input('a')
    vi.advanceTimersByTime(100)
    n.input('')
    vi.advanceTimersByTime(10_000)
    expect(sent).toEqual([])
  })

  it('repeats the start every 4 s while the user keeps typing', () => {
    const n = notifier()
    typeKeys(n, 100, 100) // typing for 9.9 s
    expect(sent.map((s) => s.command)).toEqual(['typing:start', 'typing:start', 'typing:start'])
    expect(sent.map((s) => s.at)).toEqual([300, 4300, 8300])
  })

  it('stops after 5 s without a keystroke, once, and does not repeat meanwhile', () => {
    const n = notifier()
    n.input('h')
    vi.advanceTimersByTime(30_000)
    expect(sent).toEqual([
      { command: 'typing:start', at: 300 },
      { command: 'typing:stop', at: 5000 },
    ])
  })

  it('counts the idle time from the last keystroke', () => {
    const n = notifier()
    typeKeys(n, 3, 1000) // keys at 0, 1000, 2000
    vi.advanceTimersByTime(30_000)
    expect(sent).toEqual([
      { command: 'typing:start', at: 300 },
      { command: 'typing:start', at: 4300 },
      { command: 'typing:stop', at: 7000 },
    ])
  })

  it('starts again after an idle stop when the user resumes', () => {
    const n = notifier()
    n.input('a')
    vi.advanceTimersByTime(6000)
    n.input('ab')
    vi.advanceTimersByTime(300)
    expect(sent.map((s) => [s.command, s.at])).toEqual([
      ['typing:start', 300],
      ['typing:stop', 5000],
      ['typing:start', 6300],
    ])
  })

  it('stops when the message is sent, and nothing follows', () => {
    const n = notifier()
    typeKeys(n, 5, 200)
    n.sent()
    vi.advanceTimersByTime(30_000)
    expect(sent).toEqual([
      { command: 'typing:start', at: 300 },
      { command: 'typing:stop', at: 800 },
    ])
  })

  it('sends no stop when sending before the start went out', () => {
    const n = notifier()
    n.input('ok')
    n.sent()
    vi.advanceTimersByTime(30_000)
    expect(sent).toEqual([])
  })

  it('stops when the text is emptied and when disposed', () => {
    const a = notifier()
    a.input('x')
    vi.advanceTimersByTime(1000)
    a.input('')
    const b = notifier()
    b.input('y')
    vi.advanceTimersByTime(1000)
    b.dispose()
    vi.advanceTimersByTime(30_000)
    expect(sent.map((s) => [s.command, s.at])).toEqual([
      ['typing:start', 300],
      ['typing:stop', 1000],
      ['typing:start', 1300],
      ['typing:stop', 2000],
    ])
  })

  it('sends nothing while the connection is not ready, and announces once it is', () => {
    ready = false
    const n = notifier()
    typeKeys(n, 20, 100)
    n.sent()
    vi.advanceTimersByTime(30_000)
    expect(sent).toEqual([])
    n.input('a')
    vi.advanceTimersByTime(300)
    ready = true
    n.input('ab')
    vi.advanceTimersByTime(300)
    expect(sent.map((s) => s.command)).toEqual(['typing:start'])
  })

  it('ignores command failures', async () => {
    const send = vi.fn(() => Promise.reject(new Error('Not connected.')))
    const n = notifier(send)
    n.input('a')
    vi.advanceTimersByTime(300)
    n.sent()
    await vi.runAllTimersAsync()
    expect(send.mock.calls).toEqual([['typing:start'], ['typing:stop']])
  })
})
