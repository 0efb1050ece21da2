"""Janus's configuration, written by `shomik janus-config --out DIR` from the SHOMIK_SFU_*
settings: this project's own, never Debian's /etc/janus (which listens on every interface,
loads every plugin and transport, and ships demo rooms with well-known secrets).

What it allows: the VideoRoom plugin and the WebSocket transport only (the folder Janus
loads them from holds links to those two libraries and nothing else), bound where
SHOMIK_SFU_URL and SHOMIK_SFU_ADMIN_URL say; every Janus API request needs the server's
api_secret or a token this server added through the Admin API (token_auth); rooms can be
created only with the admin_key; no rooms are configured.
"""

from __future__ import annotations

import glob
import ipaddress
import os
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from shomik.calls import turn
from shomik.settings import Settings
from shomik.sfu import secrets

PLUGIN = "libjanus_videoroom.so"
TRANSPORT = "libjanus_websockets.so"
# Where Debian (multiarch), other distributions and a source build put Janus's libraries.
LIBRARY_DIRS = (
    "/usr/lib/*/janus",
    "/usr/lib/janus",
    "/usr/local/lib/janus",
    "/opt/janus/lib/janus",
)
# Janus's TURN credentials are written once per start of Janus (the systemd unit runs
# janus-config before each start): a year is longer than any uptime between restarts.
JANUS_TURN_TTL = 365 * 24 * 3600
# Janus refuses to write recordings and other files into these (its own default list).
PROTECTED = ["/bin", "/boot", "/dev", "/etc", "/initrd", "/lib", "/lib32", "/lib64", "/proc"]
PROTECTED += ["/sbin", "/sys", "/usr", "/var"]

Value = str | int | bool | list[str]
Section = dict[str, Value]


class ConfigError(ValueError):
    pass


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _value(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return "[" + ", ".join(_quote(item) for item in value) + "]"
    return _quote(value)


def render(sections: dict[str, Section]) -> str:
    """libconfig, the format of Janus's .jcfg files."""
    lines = ["# Written by `shomik janus-config`: edit the SHOMIK_SFU_* settings, not this file."]
    for name, entries in sections.items():
        lines.append(f"{name}: {{")
        lines.extend(f"\t{key} = {_value(value)}" for key, value in entries.items())
        lines.append("}")
    return "\n".join(lines) + "\n"


def _address(url: str, name: str, listen: str | None, flag: str) -> tuple[str, int]:
    """The IP and port Janus binds for a URL the server connects to."""
    parts = urlsplit(url)
    if parts.port is None or parts.hostname is None:
        raise ConfigError(f"{name} needs a host and a port: {url!r}")
    host = listen or ("127.0.0.1" if parts.hostname == "localhost" else parts.hostname)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        raise ConfigError(
            f"{name} names the host {host!r}: give Janus an address to bind with {flag}"
        ) from None
    return host, parts.port


def _acl(host: str) -> dict[str, Value]:
    # On loopback only local peers (nginx, this server) can connect anyway; say so twice.
    return {"acl": "127."} if ipaddress.ip_address(host).is_loopback else {}


def find_library_dir() -> Path:
    for pattern in LIBRARY_DIRS:
        for candidate in sorted(glob.glob(pattern)):
            if (Path(candidate) / "plugins" / PLUGIN).exists():
                return Path(candidate)
    raise ConfigError("Janus's libraries were not found: install Janus or pass --janus-lib")


def _turn(settings: Settings, now: float) -> Section:
    """Janus relaying its own media through coturn, with a credential of coturn's
    use-auth-secret scheme (docs/calls.md §7)."""
    parts = urlsplit(settings.sfu_turn_url)
    host, _, port = parts.path.partition(":")
    transport = parse_qs(parts.query).get("transport", ["udp"])[0]
    username, credential = turn.credentials(settings.turn_secret, "janus", JANUS_TURN_TTL, now)
    return {
        "turn_server": host,
        "turn_port": int(port or (5349 if parts.scheme == "turns" else 3478)),
        "turn_type": "tls" if parts.scheme == "turns" else transport,
        "turn_user": username,
        "turn_pwd": credential,
    }


def build(
    settings: Settings,
    out: Path,
    listen: str | None = None,
    now: float | None = None,
    admin_listen: str | None = None,
) -> dict[str, str]:
    """The three configuration files, by name. `listen` and `admin_listen`: the addresses
    to bind the API and the Admin API to when the URLs name a host rather than an address
    (Janus in a container of its own: ws://janus:8188, bound to 0.0.0.0 inside it)."""
    if not settings.sfu_url:
        raise ConfigError("SHOMIK_SFU_URL is not set: nothing to configure")
    api_host, api_port = _address(settings.sfu_url, "SHOMIK_SFU_URL", listen, "--listen")
    admin_host, admin_port = _address(
        settings.sfu_admin_url, "SHOMIK_SFU_ADMIN_URL", admin_listen, "--admin-listen"
    )
    secret = settings.sfu_secret
    nat: Section = {"nice_debug": False, "full_trickle": True, "ignore_mdns": True}
    if settings.sfu_nat_1_1_mapping:
        nat["nat_1_1_mapping"] = settings.sfu_nat_1_1_mapping
    if settings.sfu_ice_enforce_list:
        nat["ice_enforce_list"] = settings.sfu_ice_enforce_list
    if settings.sfu_turn_url:
        nat.update(_turn(settings, time.time() if now is None else now))
    folder = str(out.resolve())
    janus: dict[str, Section] = {
        "general": {
            "configs_folder": folder,
            "plugins_folder": f"{folder}/plugins",
            "transports_folder": f"{folder}/transports",
            "events_folder": f"{folder}/events",
            "loggers_folder": f"{folder}/loggers",
            "debug_level": 4,
            "server_name": "shomik",
            "admin_secret": secrets.admin_secret(secret),
            # The server's own requests carry the api_secret; a browser's carry the token
            # this server added for it (and removes when it leaves the call).
            "api_secret": secrets.api_secret(secret),
            "token_auth": True,
            # A browser's session ends this long after its last request (janus.js sends a
            # keepalive every 25 s), so a revoked token ends a session that ignores a kick.
            "session_timeout": 60,
            "hide_dependencies": True,
            "protected_folders": PROTECTED,
        },
        "media": {"ipv6": False, "rtp_port_range": settings.sfu_rtp_ports},
        "nat": nat,
        "plugins": {},
        "transports": {},
        "loggers": {},
        "events": {"broadcast": False},
    }
    videoroom: dict[str, Section] = {
        "general": {
            "admin_key": secrets.admin_key(secret),
            "lock_rtp_forward": True,
            "string_ids": False,
            "events": False,
        }
    }
    api_acl = {f"ws_{k}": v for k, v in _acl(api_host).items()}
    admin_acl = {f"admin_ws_{k}": v for k, v in _acl(admin_host).items()}
    websockets: dict[str, Section] = {
        "general": {
            "json": "compact",
            "ws": True,
            "ws_ip": api_host,
            "ws_port": api_port,
            "wss": False,
            **api_acl,
        },
        "admin": {
            "admin_ws": True,
            "admin_ws_ip": admin_host,
            "admin_ws_port": admin_port,
            "admin_wss": False,
            **admin_acl,
        },
    }
    return {
        "janus.jcfg": render(janus),
        "janus.plugin.videoroom.jcfg": render(videoroom),
        "janus.transport.websockets.jcfg": render(websockets),
    }


def write(
    settings: Settings,
    out: Path,
    library_dir: Path | None = None,
    listen: str | None = None,
    admin_listen: str | None = None,
) -> list[Path]:
    """Write the configuration into `out` (made if missing), with the plugin and transport
    folders Janus loads from: links to the one library each that it may load."""
    files = build(settings, out, listen, admin_listen=admin_listen)
    library = library_dir or find_library_dir()
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        path = out / name
        # The files hold the secrets: readable by their owner (the user Janus runs as) only.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        written.append(path)
    for kind, library_name in (("plugins", PLUGIN), ("transports", TRANSPORT)):
        folder = out / kind
        folder.mkdir(exist_ok=True)
        for stale in folder.iterdir():
            stale.unlink()
        target = library / kind / library_name
        if not target.exists():
            raise ConfigError(f"{target} is missing: is Janus installed?")
        (folder / library_name).symlink_to(target)
    for kind in ("events", "loggers"):
        (out / kind).mkdir(exist_ok=True)
    return written
