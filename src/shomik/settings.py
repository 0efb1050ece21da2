"""Every setting, read from `SHOMIK_*` environment variables (and CLI flags for the few
that `shomik serve` exposes)."""

from __future__ import annotations

import secrets
from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# Where `make install` builds the web client in a source checkout (src/shomik/../../web).
_CHECKOUT_WEB = Path(__file__).resolve().parents[2] / "web"


def _default_web_dir() -> Path | None:
    # The client's source folder, not its build output, decides: a server started before
    # the first build then serves the client as soon as it is built, without a restart.
    return _CHECKOUT_WEB / "dist" if _CHECKOUT_WEB.is_dir() else None


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SHOMIK_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8000
    data_dir: Path = Path("data")
    # Empty means: SQLite file `shomik.db` in the data dir.
    database_url: str = ""
    # NORMAL in WAL mode survives a killed process (the WAL is in the OS page cache);
    # FULL also survives power loss at the cost of an fsync per commit.
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"
    # Several processes (PostgreSQL only): their bus, presence and rate limits in Redis,
    # e.g. redis://127.0.0.1:6379/0. Empty: one process, all of that in memory.
    redis_url: str = ""
    # The prefix of every Redis key and channel: several Shomik installations may share one
    # Redis.
    redis_prefix: str = "shomik"
    # Empty means: generated once into `<data_dir>/secret_key`.
    secret_key: str = ""
    # Empty means: only the server's own origin may open a WebSocket.
    allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # The built web client (index.html, assets/); None serves the API alone.
    web_dir: Path | None = Field(default_factory=_default_web_dir)
    # The interactive API reference at /docs and the spec at /openapi.json (src/shomik/
    # apidocs.py). Off by default: a public map of the API on the origin of the session.
    api_docs: bool = False
    # GET /metrics answers only with `Authorization: Bearer <this>`; empty: 404, no metrics.
    metrics_token: str = ""

    token_ttl_seconds: int = 7 * 24 * 3600  # the article's 7 days
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65536
    argon2_parallelism: int = 4

    max_upload_bytes: int = 10 * 1024 * 1024
    # Image decoding (uploads and link-preview images), process-wide: at most this many at
    # once, within this much decoded-pixel memory (one 40 MP image takes 160 MB: it then
    # decodes alone), with this many more waiting; beyond that, 503 `busy`.
    decode_concurrency: int = Field(2, ge=1)
    decode_memory_mb: int = Field(200, ge=1)
    decode_queue: int = Field(8, ge=0)
    max_group_members: int = 1000

    # Link previews: the server fetches the first http(s) link of a message (an outbound
    # request to a user-chosen URL, made SSRF-safe in previews/fetch.py).
    link_previews: bool = True
    # Comma-separated `host` or `host:port` the fetcher may reach even on a private or
    # loopback address (tests point it at a local site). Nothing else is exempted.
    link_preview_allow_hosts: str = ""

    rate_login: str = "10/minute"
    # Per account, whatever the address: 30 addresses with one guess each are still 30
    # guesses at one password. 20 an hour lets a person who forgot it keep trying.
    rate_login_account: str = "20/hour"
    rate_register: str = "5/minute"
    rate_send: str = "30/10second"
    rate_upload: str = "30/minute"
    rate_ws_commands: str = "200/10second"
    # Key package claims (GET /api/e2ee/key-packages/{userId}), per claimer: adding the
    # 49 other members of a secret group at once is 49; each takes a one-time key package
    # from someone else's stock, so more is a drain, not a use.
    rate_key_packages: str = "100/10minute"
    rate_limits_enabled: bool = True

    # Per-connection outgoing queue: ephemeral events are shed at half, a consumer whose
    # queue is full of durable events is disconnected and recovers through resume.
    ws_queue_size: int = 512
    ws_auth_timeout_seconds: float = 10.0
    # 20 sockets per account: tabs, phones and call sockets of one person, with room to
    # spare; more is a script holding sockets (each costs a queue and a file descriptor).
    ws_max_per_user: int = Field(20, ge=1)
    # Sockets not authenticated yet (they have 10 s to say who they are): a flood of them is
    # refused past this, before the handshake completes.
    ws_max_unauthenticated: int = Field(500, ge=1)
    # ... and a handshake past that waits this long for a place before it is refused (a
    # reconnect storm queues instead of bouncing to its backoff; realtime/gateway.py).
    ws_admission_wait_seconds: float = Field(5.0, ge=0, le=30)
    # How long a user whose last socket closed still counts as online: a page reload, a
    # network blip or a server's clients all dropping at once reconnect within it and change
    # nothing for their contacts (no offline/online pair, no write). Their "last seen" is
    # still the moment the last socket closed.
    presence_offline_grace_seconds: float = Field(10.0, ge=0, le=300)
    # permessage-deflate, offered by every browser: frames up to 13x smaller on the wire,
    # at about twice the CPU per delivery and memory per connection (docs/benchmarks.md).
    ws_compression: bool = True
    # A socket that has sent nothing for this long drops its zlib deflater (about 38 KiB);
    # the next message starts a fresh one (realtime/wsdeflate.py). Long enough for the
    # bursts of a conversation to share a compression window.
    ws_compression_idle_seconds: float = Field(15.0, gt=0, le=3600)
    # 30 s: under the 60 s idle cut of common NATs and proxies (nginx proxy_read_timeout).
    ws_ping_interval_seconds: float = 30.0
    # Typing indicators expire by themselves if the client never says stop.
    typing_ttl_seconds: float = 6.0
    # 48 h, as Telegram: a typo is fixed within hours; older history stays as it was read.
    edit_window_seconds: int = Field(48 * 3600, ge=0)
    # How often each process deletes the secret chats' messages whose self-destruct time has
    # come (messages/expiry.py): one indexed query when nothing is due. Clients hide such a
    # message at its time; this is how long its ciphertext may outlive that on the server.
    self_destruct_sweep_seconds: float = Field(5.0, gt=0)
    # Events older than this many events are pruned; a client further behind must resync.
    event_retention: int = 200_000
    replay_max: int = 5000

    # Calls (docs/calls.md). 45 s of ringing: about what phones do before voicemail, and
    # long enough to find the tab.
    call_ring_seconds: float = Field(45.0, gt=0)
    # A participant whose call socket closes keeps their place this long, so a page reload
    # or a brief network change does not end the call.
    call_grace_seconds: float = Field(10.0, ge=0)
    # A mesh makes each browser encode one stream per peer: 4 is about what 2 cores carry
    # (../docs/calls.md); larger calls wait for the SFU.
    call_max_participants: int = Field(4, ge=2, le=16)
    # 100 per 10 s per socket: a mesh set-up of 3 peers sends ~20-40 candidates and a few
    # SDPs; an ICE restart repeats that. More is a loop or abuse.
    rate_call_signals: str = "100/10second"
    rate_ice_servers: str = "30/minute"
    # ICE servers handed to browsers. No public STUN server is built in: on a LAN host
    # candidates suffice, and a third-party STUN server learns every caller's address.
    stun_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # coturn's static-auth-secret (use-auth-secret); credentials are derived from it.
    turn_secret: str = ""
    turn_ttl: int = Field(3600, ge=60, le=7 * 24 * 3600)
    # "relay" sends every call through TURN, which hides users' IP addresses from each other.
    ice_transport_policy: Literal["all", "relay"] = "all"

    # Group calls through Janus, the SFU (docs/calls.md §9, src/shomik/sfu). Empty URL: no
    # SFU, group calls stay a mesh of up to call_max_participants. `shomik janus-config`
    # writes Janus's configuration from these same settings.
    # Janus's API for this server (its WebSocket transport), e.g. ws://127.0.0.1:8188.
    sfu_url: str = ""
    # Janus's Admin API (tokens, room lists): loopback only, never proxied.
    sfu_admin_url: str = "ws://127.0.0.1:7188"
    # What browsers connect to: a path on this origin that nginx proxies to sfu_url, or a
    # ws(s):// URL.
    sfu_public_url: str = "/janus"
    # Shared with Janus's configuration: its admin_secret, api_secret and VideoRoom
    # admin_key, and each room's secret, are derived from it (sfu/secrets.py).
    sfu_secret: str = ""
    # Each browser sends one stream and receives the others: Janus forwards, never encodes.
    sfu_max_participants: int = Field(25, ge=2, le=100)
    # Janus's UDP ports for media (open them in the firewall).
    sfu_rtp_ports: str = Field("20000-40000", pattern=r"^\d{1,5}-\d{1,5}$")
    # Janus behind a 1:1 NAT (a cloud VM): its public address(es) for its ICE candidates.
    sfu_nat_1_1_mapping: str = ""
    # The only interfaces or addresses Janus gathers candidates on (e.g. "eth0"); empty: all.
    sfu_ice_enforce_list: str = ""
    # Janus itself behind a firewall that blocks UDP: a turn: URL Janus relays through, with
    # credentials derived from turn_secret. Browsers' TURN comes from the ICE servers.
    sfu_turn_url: str = ""

    # Web Push (docs/deployment.md). Empty: a key pair generated once into
    # `<data_dir>/vapid_private_key`. Either a PEM or the raw 32-byte key in base64url.
    vapid_private_key: str = ""
    # Who push services contact about abuse (RFC 8292 2.1): a mailto: or https: URL.
    vapid_subject: str = "mailto:admin@localhost"
    # The push endpoint is a URL chosen by a client (an SSRF vector): only the known push
    # services' https hosts, plus these (`host` or `host:port`, the port then the only one).
    push_extra_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Lets tests use a local push service on plain http.
    push_allow_http: bool = False

    @field_validator("allowed_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [o.strip().rstrip("/") for o in value.split(",") if o.strip()]
        return value

    @field_validator("push_extra_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: object) -> object:
        if isinstance(value, str):
            return [h.strip().lower() for h in value.split(",") if h.strip()]
        return value

    @field_validator("stun_urls", "turn_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    @field_validator("stun_urls")
    @classmethod
    def _stun_scheme(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("stun:", "stuns:")):
                raise ValueError(f"{url!r}: a STUN URL starts with stun: or stuns:")
        return value

    @field_validator("turn_urls")
    @classmethod
    def _turn_scheme(cls, value: list[str]) -> list[str]:
        for url in value:
            if not url.startswith(("turn:", "turns:")):
                raise ValueError(f"{url!r}: a TURN URL starts with turn: or turns:")
        return value

    @model_validator(mode="after")
    def _turn_complete(self) -> Settings:
        if self.turn_urls and not self.turn_secret:
            raise ValueError(
                "SHOMIK_TURN_URLS needs SHOMIK_TURN_SECRET (coturn's static-auth-secret)"
            )
        if self.ice_transport_policy == "relay" and not (self.turn_urls and self.turn_secret):
            raise ValueError(
                "SHOMIK_ICE_TRANSPORT_POLICY=relay needs SHOMIK_TURN_URLS and SHOMIK_TURN_SECRET"
            )
        return self

    @model_validator(mode="after")
    def _sfu_complete(self) -> Settings:
        if not self.sfu_url:
            return self
        if not self.sfu_url.startswith(("ws://", "wss://")):
            raise ValueError("SHOMIK_SFU_URL is Janus's WebSocket API: ws://host:port")
        if not self.sfu_admin_url.startswith(("ws://", "wss://")):
            raise ValueError("SHOMIK_SFU_ADMIN_URL is Janus's WebSocket Admin API: ws://host:port")
        if len(self.sfu_secret) < 32:
            raise ValueError("SHOMIK_SFU_URL needs SHOMIK_SFU_SECRET of at least 32 characters")
        if not self.sfu_public_url.startswith(("/", "ws://", "wss://")):
            raise ValueError("SHOMIK_SFU_PUBLIC_URL is a path on this origin or a ws(s):// URL")
        if self.sfu_turn_url and not (self.sfu_turn_url.startswith("turn") and self.turn_secret):
            raise ValueError("SHOMIK_SFU_TURN_URL is a turn: URL and needs SHOMIK_TURN_SECRET")
        return self

    @property
    def sfu_enabled(self) -> bool:
        return bool(self.sfu_url)

    @field_validator("web_dir", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        # SHOMIK_WEB_DIR= (empty) turns the web client off, e.g. when nginx serves it.
        return None if value == "" else value

    @field_validator("secret_key")
    @classmethod
    def _long_enough(cls, value: str) -> str:
        if value and len(value.encode()) < 32:
            raise ValueError("SHOMIK_SECRET_KEY must be at least 32 bytes (RFC 7518 3.2)")
        return value

    @field_validator("metrics_token")
    @classmethod
    def _metrics_token_long_enough(cls, value: str) -> str:
        # Short tokens are guessable over the network; a scrape config holds any length.
        if value and len(value) < 16:
            raise ValueError("SHOMIK_METRICS_TOKEN must be at least 16 characters")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'shomik.db').resolve()}"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def clustered(self) -> bool:
        """Several processes share the database: writes take the cluster-wide lock."""
        return bool(self.redis_url) and not self.is_sqlite

    @property
    def uploads_dir(self) -> Path:
        return self.data_dir / "uploads"

    def resolved_secret_key(self) -> str:
        """The configured key, or one generated into the data dir on first start."""
        if self.secret_key:
            return self.secret_key
        path = self.data_dir / "secret_key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        path.touch(mode=0o600)
        path.write_text(key)
        return key
