import { describe, expect, it } from 'vitest'
import { FakeSender, FakeTrack, fakeStream } from './fakePeerConnection'
import { LocalMedia, MediaAccessError, mediaConstraints, type MediaDevicesLike } from './media'

function setup(options: { deny?: string; cancelShare?: boolean } = {}) {
  const mic = new FakeTrack('audio')
  const camera = new FakeTrack('video')
  const screen = new FakeTrack('video', 'screen')
  const requests: MediaStreamConstraints[] = []
  const devices: MediaDevicesLike = {
    getUserMedia: async (constraints) => {
      requests.push(constraints ?? {})
      if (options.deny) throw new DOMException('no', options.deny)
      return fakeStream(constraints?.video ? [mic, camera] : [mic])
    },
    getDisplayMedia: async () => {
      if (options.cancelShare) throw new DOMException('cancel', 'NotAllowedError')
      return fakeStream([screen])
    },
  }
  // One sender per peer of a two-peer mesh, both carrying the camera.
  const senders = [new FakeSender(camera.asTrack()), new FakeSender(camera.asTrack())]
  let endedByBrowser = 0
  const media = new LocalMedia({
    devices,
    videoSenders: () => senders,
    onScreenShareEnded: () => (endedByBrowser += 1),
  })
  return { media, mic, camera, screen, senders, requests, ended: () => endedByBrowser }
}

describe('mediaConstraints', () => {
  it('asks for audio only in an audio call, smaller video in a mesh', () => {
    expect(mediaConstraints('audio').video).toBe(false)
    expect(mediaConstraints('video', 1).video).toMatchObject({ width: { ideal: 1280 } })
    expect(mediaConstraints('video', 3).video).toMatchObject({ width: { ideal: 640 } })
    expect(mediaConstraints('video').audio).toMatchObject({ echoCancellation: true })
  })
})

describe('LocalMedia', () => {
  it('mutes and unmutes by flipping enabled', async () => {
    const { media, mic, camera } = setup()
    await media.start('video')
    expect(media.audioMuted).toBe(false)
    media.setAudioMuted(true)
    expect(mic.enabled).toBe(false)
    expect(media.audioMuted).toBe(true)
    expect(mic.readyState).toBe('live')
    media.setAudioMuted(false)
    expect(mic.enabled).toBe(true)
    media.setCameraOff(true)
    expect(camera.enabled).toBe(false)
    expect(media.cameraOff).toBe(true)
    media.setCameraOff(false)
    expect(camera.enabled).toBe(true)
  })

  it('turns a refused permission into media-denied', async () => {
    const { media } = setup({ deny: 'NotAllowedError' })
    const error = await media.start('audio').catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MediaAccessError)
    expect((error as MediaAccessError).reason).toBe('media-denied')
  })

  it('turns a missing device into media-unavailable', async () => {
    const { media } = setup({ deny: 'NotFoundError' })
    await expect(media.start('video')).rejects.toMatchObject({ reason: 'media-unavailable' })
  })

  it('shares the screen with replaceTrack and restores the camera on stop', async () => {
    const { media, camera, screen, senders } = setup()
    await media.start('video')
    expect(await media.startScreenShare()).toBe(true)
    expect(media.sharingScreen).toBe(true)
    expect(media.outgoingVideoTrack).toBe(screen.asTrack())
    for (const s of senders) expect(s.track).toBe(screen.asTrack())
    await media.stopScreenShare()
    for (const s of senders) {
      expect(s.track).toBe(camera.asTrack())
      expect(s.replaced).toEqual([screen.asTrack(), camera.asTrack()])
    }
    expect(screen.readyState).toBe('ended')
    expect(camera.readyState).toBe('live')
    expect(media.sharingScreen).toBe(false)
  })

  it("restores the camera when the browser's Stop sharing ends the track", async () => {
    const { media, camera, screen, senders, ended } = setup()
    await media.start('video')
    await media.startScreenShare()
    screen.endByBrowser()
    await new Promise((resolve) => setTimeout(resolve, 0))
    for (const s of senders) expect(s.track).toBe(camera.asTrack())
    expect(media.sharingScreen).toBe(false)
    expect(ended()).toBe(1)
    // A second end (the user's button racing the browser's) changes nothing.
    await media.stopScreenShare()
    for (const s of senders) expect(s.replaced).toHaveLength(2)
  })

  it('in an audio call, sends the screen through sendVideo and takes it out first on stop', async () => {
    const mic = new FakeTrack('audio')
    const screen = new FakeTrack('video', 'screen')
    const log: string[] = []
    const added: FakeSender[] = []
    const media = new LocalMedia({
      devices: {
        getUserMedia: async () => fakeStream([mic]),
        getDisplayMedia: async () => fakeStream([screen]),
      },
      // The senders a session adds for the screen are video senders while they carry it.
      videoSenders: () => added.filter((s) => s.track?.kind === 'video'),
      sendVideo: (track) => {
        log.push(track ? 'add' : `remove ${added.map((s) => s.track?.label ?? 'nothing').join()}`)
        if (track) added.push(new FakeSender(track))
        else added.length = 0
      },
    })
    await media.start('audio')
    expect(await media.startScreenShare()).toBe(true)
    expect(log).toEqual(['add'])
    expect(added[0]?.track).toBe(screen.asTrack())
    await media.stopScreenShare()
    // Removed while it still carried the screen (removeTrack ignores a sender without one).
    expect(log).toEqual(['add', 'remove screen'])
    expect(screen.readyState).toBe('ended')
  })

  it('treats a cancelled picker as no share', async () => {
    const { media, senders } = setup({ cancelShare: true })
    await media.start('video')
    expect(await media.startScreenShare()).toBe(false)
    expect(media.sharingScreen).toBe(false)
    for (const s of senders) expect(s.replaced).toEqual([])
  })

  it('stopAll stops every track it obtained', async () => {
    const { media, mic, camera, screen } = setup()
    await media.start('video')
    await media.startScreenShare()
    media.stopAll()
    expect([mic, camera, screen].map((t) => t.readyState)).toEqual(['ended', 'ended', 'ended'])
    expect(media.stream).toBeNull()
    expect(media.sharingScreen).toBe(false)
  })

  it('releases devices granted after stopAll (hung up during the prompt)', async () => {
    const { media, mic } = setup()
    const started = media.start('audio')
    media.stopAll()
    await expect(started).rejects.toBeInstanceOf(MediaAccessError)
    expect(mic.readyState).toBe('ended')
  })
})
