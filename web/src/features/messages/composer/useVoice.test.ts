import { describe, expect, it, vi } from 'vitest'
import { ApiError, type uploadFile } from '@/api/http'
import type { Attachment, Upload } from '@/api/types'
import { useVoice } from './useVoice'

const upload: Upload = {
  id: 'v1', url: '/api/files/v1', name: 'voice.webm', mime: 'audio/webm', size: 100,
  width: null, height: null, thumbnailUrl: null, durationMs: 3000, waveform: [1, 2, 3],
}
const recording = { blob: new Blob(['x'], { type: 'audio/webm' }), name: 'voice.webm', durationMs: 3000, waveform: [1, 2, 3] }

describe('useVoice', () => {
  it('uploads with the duration and waveform, then delivers to the chat it started in', async () => {
    let chat = 5
    const delivered: [number, Attachment][] = []
    const send = vi.fn<typeof uploadFile>(() => Promise.resolve(upload))
    const voice = useVoice(() => chat, (id, a) => { delivered.push([id, a]) }, { upload: send })
    voice.start(false)
    expect(voice.recording.value).toEqual({ hold: false })
    chat = 6 // switched chats while recording
    await voice.send(recording)
    expect(send.mock.calls[0]?.[4]).toEqual({ durationMs: 3000, waveform: [1, 2, 3] })
    expect(delivered).toEqual([[5, expect.objectContaining({ id: 'v1', durationMs: 3000, waveform: [1, 2, 3] })]])
    expect(voice.recording.value).toBeNull()
    expect(voice.uploading.value).toBe(false)
  })

  it('shows why an upload failed and delivers nothing', async () => {
    const deliver = vi.fn()
    const voice = useVoice(() => 1, deliver, { upload: () => Promise.reject(new ApiError(413, 'too_large', 'Too big.')) })
    voice.start(true)
    voice.release()
    expect(voice.released.value).toBe(true)
    await voice.send(recording)
    expect(deliver).not.toHaveBeenCalled()
    expect(voice.error.value).toContain('Too big.')
  })

  it('a cancel or a recorder error ends the recording', () => {
    const voice = useVoice(() => 1, vi.fn(), { upload: vi.fn<typeof uploadFile>() })
    voice.start(false)
    voice.cancel('No microphone.')
    expect(voice.recording.value).toBeNull()
    expect(voice.error.value).toBe('No microphone.')
  })
})

describe('useVoice in a secret chat', () => {
  it('encrypts the recording, uploads it sealed without the waveform, and delivers its key', async () => {
    const delivered: [number, Attachment, unknown][] = []
    const send = vi.fn<typeof uploadFile>(() => Promise.resolve({ ...upload, id: 's1', name: 'file.bin', mime: 'application/octet-stream', durationMs: null, waveform: null }))
    const voice = useVoice(() => 9, (id, a, sealed) => { delivered.push([id, a, sealed]) }, { upload: send }, (id) => id === 9)
    voice.start(false)
    await voice.send({ ...recording, blob: new Blob(['opus-bytes'], { type: 'audio/webm;codecs=opus' }) })
    const [body, name, , , extra] = send.mock.calls[0] ?? []
    expect(name).toBe('file.bin')
    expect(extra).toEqual({ sealed: true })
    expect(await (body as Blob).text()).not.toContain('opus-bytes')
    expect(delivered[0]?.[2]).toMatchObject({ id: 's1', name: 'voice.webm', mime: 'audio/webm', durationMs: 3000 })
  })
})
