// The local side of a call's media: the microphone/camera stream, mute and camera-off,
// and screen sharing. It owns the tracks it obtained and is the only thing that stops
// them (peer.ts never does: one local track feeds every peer of a mesh).
import type { LocalEndReason } from './machine'
import type { SenderLike } from './peer'

export type CallMedia = 'audio' | 'video'

/** The part of navigator.mediaDevices used here; injected so tests can fake it. */
export type MediaDevicesLike = Pick<MediaDevices, 'getUserMedia' | 'getDisplayMedia'>

/**
 * getUserMedia constraints. Audio processing on: calls are often on laptop speakers.
 * Video asks for 720p in a one-to-one call but 360p once there are 2+ peers: in a mesh
 * each browser encodes one stream per peer, and a 4-way video mesh already fills 2 cores
 * (docs/calls.md §5). 24 fps ideal / 30 max is enough for faces and halves the encode
 * cost of 60 fps cameras.
 */
export function mediaConstraints(media: CallMedia, peers = 1): MediaStreamConstraints {
  const audio: MediaTrackConstraints = {
    echoCancellation: true,
    noiseSuppression: true,
    autoGainControl: true,
  }
  if (media === 'audio') return { audio, video: false }
  const small = peers > 1
  return {
    audio,
    video: {
      width: { ideal: small ? 640 : 1280 },
      height: { ideal: small ? 360 : 720 },
      frameRate: { ideal: 24, max: 30 },
    },
  }
}

/** Why getUserMedia failed, as a call end reason (DOMException names per the spec). */
export function mediaErrorReason(error: unknown): Extract<
  LocalEndReason,
  'media-denied' | 'media-unavailable'
> {
  const name = error instanceof Error ? error.name : ''
  return name === 'NotAllowedError' || name === 'SecurityError' ? 'media-denied' : 'media-unavailable'
}

export class MediaAccessError extends Error {
  constructor(
    readonly reason: 'media-denied' | 'media-unavailable',
    cause: unknown,
  ) {
    super(`media: ${reason}`, { cause })
    this.name = 'MediaAccessError'
  }
}

export interface LocalMediaOptions {
  devices: MediaDevicesLike
  /** The senders that carry our video, one per peer, for screen sharing's replaceTrack. */
  videoSenders(): SenderLike[]
  /** Sends the screen where there is no video sender to swap (an audio call's peers), and
   *  takes it out again when sharing stops (null). */
  sendVideo?(track: MediaStreamTrack | null): void
  /** Told when sharing stops on its own (the browser's "Stop sharing" button). */
  onScreenShareEnded?(): void
}

export class LocalMedia {
  readonly #options: LocalMediaOptions
  #stream: MediaStream | null = null
  #screen: MediaStreamTrack | null = null
  #stopped = false

  constructor(options: LocalMediaOptions) {
    this.#options = options
  }

  /** Asks for the microphone (and camera). Throws MediaAccessError with the end reason. */
  async start(media: CallMedia, peers = 1): Promise<MediaStream> {
    if (this.#stream) return this.#stream
    let stream: MediaStream
    try {
      stream = await this.#options.devices.getUserMedia(mediaConstraints(media, peers))
    } catch (error) {
      throw new MediaAccessError(mediaErrorReason(error), error)
    }
    // Hung up while the permission prompt was open: do not keep the devices lit.
    if (this.#stopped) {
      for (const track of stream.getTracks()) track.stop()
      throw new MediaAccessError('media-unavailable', new Error('stopped'))
    }
    this.#stream = stream
    return stream
  }

  get stream(): MediaStream | null {
    return this.#stream
  }

  get cameraTrack(): MediaStreamTrack | null {
    return this.#stream?.getVideoTracks()[0] ?? null
  }

  /** The video to send to a peer that joins now: the screen while sharing. */
  get outgoingVideoTrack(): MediaStreamTrack | null {
    return this.#screen ?? this.cameraTrack
  }

  get audioMuted(): boolean {
    return !(this.#stream?.getAudioTracks().some((t) => t.enabled) ?? false)
  }

  get cameraOff(): boolean {
    return !(this.#stream?.getVideoTracks().some((t) => t.enabled) ?? false)
  }

  get sharingScreen(): boolean {
    return this.#screen !== null
  }

  // Mute and camera-off flip `enabled` rather than stopping or removing the track: a
  // disabled track sends silence / black frames with no renegotiation, and turning it back
  // on is instant with no new permission prompt.
  setAudioMuted(muted: boolean): void {
    for (const track of this.#stream?.getAudioTracks() ?? []) track.enabled = !muted
  }

  setCameraOff(off: boolean): void {
    for (const track of this.#stream?.getVideoTracks() ?? []) track.enabled = !off
  }

  /** Replaces our video on every peer with the screen (or, in an audio call, sends it
   *  through `sendVideo`); resolves false if the user cancelled the picker or nothing could
   *  carry it. */
  async startScreenShare(): Promise<boolean> {
    if (this.#screen) return true
    if (this.#options.videoSenders().length === 0 && !this.#options.sendVideo) return false
    let display: MediaStream
    try {
      display = await this.#options.devices.getDisplayMedia({ video: true, audio: false })
    } catch {
      // NotAllowedError is the user pressing Cancel in the picker: not an error to show.
      return false
    }
    const screen = display.getVideoTracks()[0]
    if (!screen || this.#stopped) {
      for (const track of display.getTracks()) track.stop()
      return false
    }
    this.#screen = screen
    screen.addEventListener('ended', this.#onScreenEnded)
    // replaceTrack needs no renegotiation: the same sender, a different source.
    await Promise.all(this.#options.videoSenders().map((s) => s.replaceTrack(screen)))
    this.#options.sendVideo?.(screen)
    return true
  }

  /** Puts the camera back on every peer and releases the screen. */
  async stopScreenShare(): Promise<void> {
    const screen = this.#screen
    if (!screen) return
    // Cleared first so a second call (button and browser "Stop sharing" together) is a no-op.
    this.#screen = null
    screen.removeEventListener('ended', this.#onScreenEnded)
    screen.stop()
    // The senders added for the screen go first: removeTrack does nothing once a sender's
    // track is null, which the replaceTrack below would make it in an audio call.
    this.#options.sendVideo?.(null)
    const camera = this.cameraTrack
    await Promise.all(this.#options.videoSenders().map((s) => s.replaceTrack(camera)))
  }

  /** Stops every track this object obtained. Senders are left to the peers' close(). */
  stopAll(): void {
    this.#stopped = true
    if (this.#screen) {
      this.#screen.removeEventListener('ended', this.#onScreenEnded)
      this.#screen.stop()
      this.#screen = null
    }
    for (const track of this.#stream?.getTracks() ?? []) track.stop()
    this.#stream = null
  }

  readonly #onScreenEnded = (): void => {
    // Nobody awaits an event handler: a failed replaceTrack (a peer closed meanwhile) is
    // logged, and the UI is told either way since the screen is gone.
    void this.stopScreenShare()
      .catch((error: unknown) => {
        console.warn('screen share stop:', error)
      })
      .finally(() => this.#options.onScreenShareEnded?.())
  }
}
