"""Which push endpoints the server will POST to. The endpoint is a URL the client chose, so
without this a subscription would make the server request any address (SSRF)."""

from __future__ import annotations

from urllib.parse import urlsplit

from shomik.settings import Settings

# The push services browsers use: Chrome/Edge/Opera (FCM), Firefox (autopush), Safari
# (APNs web push) and legacy Edge (WNS). Exact hosts, or every subdomain of a suffix.
KNOWN_HOSTS = frozenset(
    {"fcm.googleapis.com", "updates.push.services.mozilla.com", "push.services.mozilla.com"}
)
KNOWN_SUFFIXES = (".push.apple.com", ".notify.windows.com")


def endpoint_allowed(endpoint: str, settings: Settings) -> bool:
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower()
    if not host or parts.username is not None or parts.password is not None:
        return False
    if parts.scheme not in ("https", "http"):
        return False
    # A bare host allows the scheme's default port only; `host:port` that port only.
    default_port = port is None or port == (443 if parts.scheme == "https" else 80)
    for entry in settings.push_extra_hosts:
        name, _, entry_port = entry.rpartition(":") if _has_port(entry) else (entry, "", "")
        if host == name.strip("[]") and (port == int(entry_port) if entry_port else default_port):
            # Plain http only here, for tests' local push services, never for the known ones.
            return parts.scheme == "https" or settings.push_allow_http
    if not default_port or parts.scheme != "https":
        return False
    return host in KNOWN_HOSTS or host.endswith(KNOWN_SUFFIXES)


def _has_port(entry: str) -> bool:
    """`host:port` or `[v6]:port`; a bare IPv6 address has colons but no port."""
    if entry.startswith("["):
        return "]:" in entry
    return entry.count(":") == 1 and entry.rsplit(":", 1)[1].isdigit()
