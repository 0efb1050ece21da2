import { describe, expect, it } from 'vitest'
import { clock, levelOf, nextSpeed, recorderMime, resample, voiceName, waveformOf } from './audio'

describe('voice arithmetic', () => {
  it('records Ogg where it can, else WebM, else nothing', () => {
    expect(recorderMime(() => true)).toBe('audio/ogg;codecs=opus')
    expect(recorderMime((m) => m.startsWith('audio/webm'))).toBe('audio/webm;codecs=opus')
    expect(recorderMime(() => false)).toBeNull()
    expect(voiceName('audio/ogg;codecs=opus')).toBe('voice.ogg')
    expect(voiceName('audio/webm;codecs=opus')).toBe('voice.webm')
  })

  it('draws the peaks of equal slices, the loudest at 255', () => {
    const samples = new Float32Array([0, 0.1, 0, -0.5, 0.25, 0, 0, 0])
    expect(waveformOf(samples, 4)).toEqual([51, 255, 128, 0])
    expect(waveformOf(new Float32Array(100), 10)).toEqual(new Array(10).fill(0))
    expect(waveformOf(new Float32Array(10_000).fill(0.3))).toHaveLength(64)
  })

  it('resamples to the bars the bubble draws', () => {
    expect(resample([1, 2, 3, 4], 2)).toEqual([1, 3])
    expect(resample([5, 9], 4)).toEqual([5, 5, 9, 9])
    expect(resample([], 3)).toEqual([0, 0, 0])
  })

  it('measures the level of a frame', () => {
    expect(levelOf(new Uint8Array(64).fill(128))).toBe(0)
    expect(levelOf(new Uint8Array([255, 0, 255, 0]))).toBe(1)
    expect(levelOf(new Uint8Array([140, 116]))).toBeGreaterThan(0)
  })

  it('shows the time as m:ss and steps through the speeds', () => {
    expect(clock(0)).toBe('0:00')
    expect(clock(65_400)).toBe('1:05')
    expect(clock(600_000)).toBe('10:00')
    expect([nextSpeed(1), nextSpeed(1.5), nextSpeed(2)]).toEqual([1.5, 2, 1])
  })
})
