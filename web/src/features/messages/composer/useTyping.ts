// "Typing…" for the others in the chat, best effort. The server announces the first
// `typing:start` and expires it 6 s after the last one, so the client:
//  - waits 300 ms after the first keystroke before announcing (a stray key never shows),
//    and sends one start per burst, not one per keystroke;
//  - repeats the start every 4 s while keystrokes keep coming (inside the 6 s expiry);
//  - sends `typing:stop` when the text is emptied, the message is sent, the composer goes
//    away, or after 5 s without a keystroke.
import { onBeforeUnmount, watch } from 'vue'
import { realtime } from '@/realtime/sync'

export const TYPING_DEBOUNCE_MS = 300
export const TYPING_REPEAT_MS = 4000
export const TYPING_IDLE_MS = 5000

export type TypingCommand = 'typing:start' | 'typing:stop'
type Timer = ReturnType<typeof setTimeout>

export interface Clock {
  now(): number
  setTimeout(fn: () => void, ms: number): Timer
  clearTimeout(timer: Timer): void
}

// Looked up at each call, so that fake timers installed after import are used.
const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (timer) => { clearTimeout(timer) },
}

export interface TypingOptions {
  send(command: TypingCommand): Promise<unknown>
  /** False while the socket is not authenticated: nothing is sent then. */
  ready(): boolean
  clock?: Clock
}

export class TypingNotifier {
  private readonly clock: Clock
  private debounce: Timer | null = null
  private repeat: Timer | null = null
  private idle: Timer | null = null
  /** A start went out and no stop since. */
  private announced = false
  private lastKey = 0
  private lastStart = 0

  constructor(private readonly options: TypingOptions) {
    this.clock = options.clock ?? realClock
  }

  /** The text changed because the user typed (or pasted, or picked an emoji). */
  input(text: string): void {
    if (!text) {
      this.stop()
      return
    }
    this.lastKey = this.clock.now()
    if (this.announced) {
      this.armIdle()
      return
    }
    this.debounce ??= this.clock.setTimeout(() => {
      this.debounce = null
      this.start()
    }, TYPING_DEBOUNCE_MS)
  }

  /** The message went out. */
  sent(): void {
    this.stop()
  }

  /** The composer is going away (unmount, other chat). */
  dispose(): void {
    this.stop()
  }

  private start(): void {
    if (!this.emit('typing:start')) return
    this.announced = true
    this.lastStart = this.clock.now()
    this.armRepeat()
    this.armIdle()
  }

  private armRepeat(): void {
    this.repeat = this.clock.setTimeout(() => {
      // Only if the user typed since the last start: otherwise the idle stop is near.
      if (this.lastKey > this.lastStart) {
        this.emit('typing:start')
        this.lastStart = this.clock.now()
      }
      this.armRepeat()
    }, TYPING_REPEAT_MS)
  }

  private armIdle(): void {
    if (this.idle !== null) this.clock.clearTimeout(this.idle)
    const wait = Math.max(0, this.lastKey + TYPING_IDLE_MS - this.clock.now())
    this.idle = this.clock.setTimeout(() => {
      this.idle = null
      this.stop()
    }, wait)
  }

  private stop(): void {
    for (const timer of [this.debounce, this.repeat, this.idle]) {
      if (timer !== null) this.clock.clearTimeout(timer)
    }
    this.debounce = this.repeat = this.idle = null
    if (this.announced) this.emit('typing:stop')
    this.announced = false
  }

  private emit(command: TypingCommand): boolean {
    if (!this.options.ready()) return false
    this.options.send(command).catch(() => undefined)
    return true
  }
}

/** Typing notifications for the composer of `chatId()`, through the app's socket. */
export function useTyping(chatId: () => number): { input(text: string): void; sent(): void } {
  const create = (id: number): TypingNotifier =>
    new TypingNotifier({
      send: (command) => realtime()?.command(command, { chatId: id }) ?? Promise.resolve(),
      ready: () => realtime()?.state === 'ready',
    })
  let notifier = create(chatId())
  watch(chatId, (id) => {
    notifier.dispose()
    notifier = create(id)
  })
  onBeforeUnmount(() => { notifier.dispose() })
  return {
    input: (text) => { notifier.input(text) },
    sent: () => { notifier.sent() },
  }
}
