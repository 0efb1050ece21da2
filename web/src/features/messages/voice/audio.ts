// The arithmetic of voice messages, kept apart from the browser APIs so that it is tested:
// which format to record, the waveform drawn in the bubble, the level meter, the clock.

/** The server's cap, and where the recorder stops by itself (as Telegram does). */
export const MAX_VOICE_MS = 10 * 60 * 1000
/** How many bars the recorder measures; the server keeps at most 100. */
export const WAVEFORM_BARS = 64
/** Playback speeds, in the order the button steps through them. */
export const SPEEDS = [1, 1.5, 2] as const
export type Speed = (typeof SPEEDS)[number]

// Opus in Ogg (Firefox) or in WebM (Chromium): the two the server accepts.
const RECORDABLE = ['audio/ogg;codecs=opus', 'audio/webm;codecs=opus', 'audio/webm']

/** The first format this browser records, or null if it records none of them. */
export function recorderMime(supported: (mime: string) => boolean): string | null {
  return RECORDABLE.find((m) => supported(m)) ?? null
}

/** `voice.ogg` or `voice.webm`, after the recorder's actual type. */
export function voiceName(mime: string): string {
  return mime.startsWith('audio/ogg') ? 'voice.ogg' : 'voice.webm'
}

/** Peaks of `bars` equal slices of the samples, scaled so the loudest is 255: a quiet
 *  recording still shows its shape. Silence is all zeros. */
export function waveformOf(samples: Float32Array, bars = WAVEFORM_BARS): number[] {
  const peaks: number[] = []
  const size = samples.length / bars
  for (let i = 0; i < bars; i++) {
    let peak = 0
    const end = Math.min(samples.length, Math.floor((i + 1) * size))
    for (let j = Math.floor(i * size); j < end; j++) peak = Math.max(peak, Math.abs(samples[j] ?? 0))
    peaks.push(peak)
  }
  const top = Math.max(...peaks)
  return peaks.map((p) => (top > 0 ? Math.round((p / top) * 255) : 0))
}

/** `values` stretched or squeezed to `n` bars (the bubble draws a fixed number). */
export function resample(values: readonly number[], n: number): number[] {
  if (!values.length) return new Array<number>(n).fill(0)
  return Array.from({ length: n }, (_, i) => values[Math.floor((i * values.length) / n)] ?? 0)
}

/** Loudness 0..1 of one AnalyserNode time-domain frame (bytes around 128): the RMS,
 *  doubled so that speech fills the meter. */
export function levelOf(frame: Uint8Array): number {
  if (!frame.length) return 0
  let sum = 0
  for (const b of frame) sum += ((b - 128) / 128) ** 2
  return Math.min(1, Math.sqrt(sum / frame.length) * 2)
}

/** 65_000 ms → "1:05". */
export function clock(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000))
  return `${Math.floor(total / 60)}:${String(total % 60).padStart(2, '0')}`
}

export function nextSpeed(speed: Speed): Speed {
  return SPEEDS[(SPEEDS.indexOf(speed) + 1) % SPEEDS.length] ?? 1
}
