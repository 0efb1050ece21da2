"""The process-wide objects every edge needs, built once per app."""

from __future__ import annotations

from dataclasses import dataclass, field

from shomik.auth.passwords import Passwords
from shomik.auth.tokens import Tokens
from shomik.calls.state import CallRegistry
from shomik.db.engine import Database
from shomik.metrics.registry import Metrics
from shomik.presence.tracker import PresenceTracker
from shomik.presence.typing import TypingTracker
from shomik.previews.service import Previewer
from shomik.push.sender import PushSender
from shomik.push.subscribed import Subscribed
from shomik.ratelimit import RateLimiter
from shomik.realtime.admission import Admission
from shomik.realtime.hub import Hub
from shomik.settings import Settings
from shomik.sfu.rooms import Sfu
from shomik.uploads.decodes import DecodeGate


@dataclass
class Services:
    settings: Settings
    db: Database
    hub: Hub
    passwords: Passwords
    tokens: Tokens
    limiter: RateLimiter
    typing: TypingTracker
    presence: PresenceTracker
    calls: CallRegistry
    previews: Previewer
    decodes: DecodeGate
    metrics: Metrics
    admission: Admission
    # Built at start-up (app.py lifespan); None where no app runs, e.g. in scripts.
    push: PushSender | None = None
    # Who may have a push subscription (loaded at start-up with the sender).
    subscribed: Subscribed = field(default_factory=Subscribed)
    # Janus, for group calls (SHOMIK_SFU_URL); None: group calls are a mesh.
    sfu: Sfu | None = None
