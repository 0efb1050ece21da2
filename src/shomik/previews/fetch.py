"""The SSRF-safe fetcher of link previews.

A link in a message is a URL chosen by a user that the *server* requests, so it could
point the server at itself, the LAN or a cloud metadata service (169.254.169.254). Every
hop (the link and each of at most 3 redirects) is checked before anything is sent:
http(s) only, ports 80/443 only, no credentials in the URL; the name is resolved ONCE and
every address it resolves to must be public (not loopback, private, link-local, CGNAT,
multicast, reserved, unspecified, nor such an address wrapped in IPv6); the connection then
goes to exactly that checked address (the URL is rewritten to the IP, with the name sent
as Host and as TLS SNI, so the certificate is still verified for the name). A second DNS
answer (DNS rebinding) is never asked for. The whole fetch takes at most 5 s, the body at
most 1 MB (streamed, reading stops there), no cookies or credentials are ever sent.

Hosts in SHOMIK_LINK_PREVIEW_ALLOW_HOSTS skip the address and port checks (tests point
them at a local site); `host` matches ports 80/443, `host:port` that port only."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]

MAX_REDIRECTS = 3
TOTAL_SECONDS = 5.0
MAX_BYTES = 1 << 20
PORTS = {"http": 80, "https": 443}
USER_AGENT = "Shomik link preview (+https://github.com/shomik)"
REDIRECTS = {301, 302, 303, 307, 308}


class Refused(Exception):
    """The fetch was not made (or was abandoned): the reason, for logs and tests."""


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    content_type: str  # lower-cased, without parameters
    charset: str | None
    body: bytes
    truncated: bool  # the body was longer than the cap: what was read is kept


async def system_resolve(host: str, port: int) -> list[str]:
    """Every address the name has (A and AAAA), from the system resolver."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def forbidden_address(ip: IpAddress) -> str | None:
    """Why the server must not connect to this address, or None if it is public."""
    if isinstance(ip, ipaddress.IPv6Address):
        # An IPv4 address in IPv6 clothing reaches the IPv4 host: judge that one.
        for inner in (ip.ipv4_mapped, ip.sixtofour, ip.teredo[1] if ip.teredo else None):
            if inner is not None:
                reason = forbidden_address(inner)
                if reason:
                    return f"{reason} (inside {ip})"
        if ip in ipaddress.IPv6Network("64:ff9b::/96"):  # NAT64: the last 32 bits
            reason = forbidden_address(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            if reason:
                return f"{reason} (inside {ip})"
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("site-local", isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
        # What is left and still not global: CGNAT 100.64/10, 0/8, benchmarking and such.
        ("not public", not ip.is_global),
    )
    for name, hit in checks:
        if hit:
            return f"{ip} is {name}"
    return None


def parse_allow_hosts(value: str) -> frozenset[str]:
    return frozenset(h.strip().lower() for h in value.split(",") if h.strip())


class Fetcher:
    def __init__(
        self,
        allow_hosts: Collection[str] = (),
        resolve: Resolver = system_resolve,
        total_seconds: float = TOTAL_SECONDS,
        max_bytes: int = MAX_BYTES,
    ) -> None:
        self.allow_hosts = frozenset(h.lower() for h in allow_hosts)
        self.resolve = resolve
        self.total_seconds = total_seconds
        self.max_bytes = max_bytes

    def _allowed(self, host: str, port: int, default_port: bool) -> bool:
        name = f"[{host}]" if ":" in host else host
        return f"{name}:{port}" in self.allow_hosts or (default_port and name in self.allow_hosts)

    async def _target(self, url: str) -> tuple[str, str, int]:
        """(scheme, host, port) of a URL that may be requested, or Refused."""
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in PORTS:
            raise Refused(f"scheme {scheme!r} is not http(s)")
        if parts.username is not None or parts.password is not None:
            raise Refused("credentials in the URL")
        try:
            host = (parts.hostname or "").rstrip(".")
            port = parts.port or PORTS[scheme]
        except ValueError as exc:
            raise Refused(f"malformed URL: {exc}") from exc
        if not host:
            raise Refused("no host")
        if self._allowed(host, port, port in PORTS.values()):
            return scheme, host, port
        if port not in PORTS.values():
            raise Refused(f"port {port} is not 80 or 443")
        return scheme, host, port

    async def _address(self, host: str, port: int) -> str:
        """The one address to connect to: the name resolved once, every answer checked."""
        try:
            literal: IpAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            answers = [str(literal)]
        else:
            try:
                answers = await self.resolve(host, port)
            except OSError as exc:
                raise Refused(f"{host} does not resolve: {exc}") from exc
        if not answers:
            raise Refused(f"{host} does not resolve")
        ips = [ipaddress.ip_address(a.split("%")[0]) for a in answers]
        if not self._allowed(host, port, port in PORTS.values()):
            # All, not just the first: which answer the client would pick is not ours to
            # guess, and a name mixing public and private addresses is up to no good.
            for ip in ips:
                reason = forbidden_address(ip)
                if reason:
                    raise Refused(f"{host} resolves to a forbidden address: {reason}")
        return str(ips[0])

    async def fetch(
        self, url: str, accept: Collection[str] = ("text/html",), whole: bool = False
    ) -> Fetched:
        """GET the URL (following at most 3 redirects, each checked) if its content type is
        one of `accept`. A body over the cap is cut (a page's metadata is at its top), or
        with `whole` (an image, useless cut) refused. Raises Refused for anything refused,
        failed or over time."""
        try:
            async with asyncio.timeout(self.total_seconds):
                return await self._fetch(url, accept, whole)
        except TimeoutError as exc:
            raise Refused(f"over {self.total_seconds} s") from exc
        except httpx.HTTPError as exc:
            raise Refused(f"{type(exc).__name__}: {exc}") from exc

    async def _fetch(self, url: str, accept: Collection[str], whole: bool) -> Fetched:
        # trust_env=False: no proxy from the environment and no ~/.netrc credentials.
        async with httpx.AsyncClient(
            trust_env=False, follow_redirects=False, timeout=self.total_seconds
        ) as client:
            for _hop in range(MAX_REDIRECTS + 1):
                scheme, host, port = await self._target(url)
                address = await self._address(host, port)
                parts = urlsplit(url)
                netloc = f"[{address}]" if ":" in address else address
                host_header = f"[{host}]" if ":" in host else host
                if port != PORTS[scheme]:
                    netloc += f":{port}"
                    host_header += f":{port}"
                target = parts._replace(netloc=netloc, fragment="").geturl()
                client.cookies.clear()  # no cookie set by one hop reaches the next
                request = client.build_request(
                    "GET",
                    target,
                    headers={
                        "Host": host_header,
                        "User-Agent": USER_AGENT,
                        "Accept": ", ".join(accept),
                        # Raw bytes only: a compressed body could inflate a thousandfold
                        # past the cap before a decoder returned.
                        "Accept-Encoding": "identity",
                    },
                    extensions={"sni_hostname": host},
                )
                response = await client.send(request, stream=True)
                try:
                    if response.status_code in REDIRECTS:
                        location = response.headers.get("location")
                        if not location:
                            raise Refused("a redirect without a Location")
                        url = urljoin(url, location)
                        continue
                    return await self._read(url, response, accept, whole)
                finally:
                    await response.aclose()
        raise Refused(f"more than {MAX_REDIRECTS} redirects")

    async def _read(
        self, url: str, response: httpx.Response, accept: Collection[str], whole: bool
    ) -> Fetched:
        if response.status_code != 200:
            raise Refused(f"status {response.status_code}")
        mime = response.headers.get("content-type", "").split(";")[0].strip().lower()
        if mime not in accept:
            raise Refused(f"content type {mime or 'none'} is not {', '.join(accept)}")
        if response.headers.get("content-encoding", "identity").lower() != "identity":
            raise Refused("a compressed body, though identity was asked for")
        chunks: list[bytes] = []
        size = 0
        truncated = False
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size > self.max_bytes:
                if whole:
                    raise Refused(f"the body is over {self.max_bytes} bytes")
                truncated = True
                break
        body = b"".join(chunks)[: self.max_bytes]
        return Fetched(url, mime, response.charset_encoding, body, truncated)
