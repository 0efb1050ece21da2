"""What the browser tells us about a voice message or a video it uploads: the length and the
waveform it measured (we do not decode audio on the server), checked and bounded here."""

from __future__ import annotations

import json
from dataclasses import dataclass

from shomik.errors import Invalid
from shomik.uploads.inspect import AUDIO_TYPES, VIDEO_TYPES

MAX_VOICE_MS = 10 * 60 * 1000  # a voice message is at most 10 minutes, as the recorder stops
MAX_VIDEO_MS = 24 * 60 * 60 * 1000
MAX_WAVEFORM = 100  # bars: more than a bubble can draw


@dataclass(frozen=True)
class MediaInfo:
    duration_ms: int | None
    waveform: list[int] | None


def _duration(text: str, limit: int) -> int:
    try:
        value = int(text.strip())
    except ValueError as exc:
        raise Invalid("`durationMs` must be a whole number of milliseconds.") from exc
    if not 0 < value <= limit:
        raise Invalid(f"`durationMs` must be between 1 and {limit}.")
    return value


def _waveform(text: str) -> list[int]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise Invalid("`waveform` must be a JSON list of numbers.") from exc
    if not isinstance(value, list) or not 0 < len(value) <= MAX_WAVEFORM:
        raise Invalid(f"`waveform` must be a list of 1 to {MAX_WAVEFORM} values.")
    # bool is an int to Python, not to the client.
    if not all(type(v) is int and 0 <= v <= 255 for v in value):
        raise Invalid("`waveform` values must be whole numbers from 0 to 255.")
    return value


def media_info(mime: str, fields: dict[str, str]) -> MediaInfo:
    """Duration for audio and video, a waveform for audio only; nothing for other files.
    Audio with a duration is a recorded voice message (see messages.service)."""
    duration, waveform = fields.get("durationMs"), fields.get("waveform")
    if mime not in AUDIO_TYPES | VIDEO_TYPES:
        if duration is not None or waveform is not None:
            raise Invalid("Only audio and video have a duration or a waveform.")
        return MediaInfo(None, None)
    if mime in VIDEO_TYPES and waveform is not None:
        raise Invalid("Only a voice message has a waveform.")
    limit = MAX_VOICE_MS if mime in AUDIO_TYPES else MAX_VIDEO_MS
    return MediaInfo(
        None if duration is None else _duration(duration, limit),
        None if waveform is None else _waveform(waveform),
    )
