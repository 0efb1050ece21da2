// The incoming-call ringtone, synthesized with WebAudio like the message chime
// (notifications/notify.ts): no sound file to fetch, cache or license.
export interface Ringtone {
  start(): void
  stop(): void
}

// A two-burst "ring-ring" every 3 s, quiet enough not to startle at full volume.
const PERIOD_MS = 3000

export function createRingtone(): Ringtone {
  let ctx: AudioContext | null = null
  let timer: ReturnType<typeof setInterval> | null = null

  function ring(): void {
    try {
      ctx ??= new AudioContext()
      const at = ctx.currentTime
      for (const offset of [0, 0.45]) {
        const gain = ctx.createGain()
        gain.connect(ctx.destination)
        gain.gain.setValueAtTime(0.0001, at + offset)
        gain.gain.exponentialRampToValueAtTime(0.12, at + offset + 0.02)
        gain.gain.exponentialRampToValueAtTime(0.0001, at + offset + 0.4)
        for (const freq of [440, 480]) {
          const osc = ctx.createOscillator()
          osc.frequency.value = freq
          osc.connect(gain)
          osc.start(at + offset)
          osc.stop(at + offset + 0.4)
        }
      }
    } catch {
      // No audio (autoplay policy before any click): the incoming screen is still shown.
    }
  }

  return {
    start() {
      if (timer !== null) return
      ring()
      timer = setInterval(ring, PERIOD_MS)
    },
    stop() {
      if (timer !== null) clearInterval(timer)
      timer = null
      // Closing the context cuts a burst already scheduled, and frees the audio device.
      void ctx?.close().catch(() => undefined)
      ctx = null
    },
  }
}
