"""The SSRF-safe fetcher, in-process against the local test site: every refusal proven,
and that an allowed fetch connects to the one checked address."""

from __future__ import annotations

import time

import pytest

from shomik.previews.fetch import MAX_BYTES, MAX_REDIRECTS, TOTAL_SECONDS, Fetcher, Refused
from tests.previews.site import LocalSite


async def no_dns(host: str, port: int) -> list[str]:
    raise AssertionError(f"{host} must be refused before any DNS look-up")


def fetcher(site: LocalSite, **kw: object) -> Fetcher:
    return Fetcher(allow_hosts={site.host}, resolve=no_dns, **kw)  # type: ignore[arg-type]


def test_the_caps_are_those_documented() -> None:
    assert (TOTAL_SECONDS, MAX_BYTES, MAX_REDIRECTS) == (5.0, 1 << 20, 3)


async def test_an_allowed_page_is_fetched(site: LocalSite) -> None:
    page = await fetcher(site).fetch(site.url("/page"))
    assert page.content_type == "text/html"
    assert b"og:title" in page.body and not page.truncated


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://10.0.0.5/", "private"),
        ("http://172.16.3.4/", "private"),
        ("http://192.168.1.1/", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://100.64.0.1/", "not public"),  # CGNAT
        ("http://0.0.0.0/", "unspecified"),
        ("http://0.1.2.3/", "private"),  # 0/8
        ("http://224.0.0.1/", "multicast"),
        ("http://240.0.0.1/", "240.0.0.1 is"),  # reserved 240/4
        ("http://[::1]/", "loopback"),
        ("http://[::]/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "inside ::ffff:7f00:1"),
        ("http://[::ffff:10.0.0.1]/", "inside"),
        ("http://[64:ff9b::a9fe:a9fe]/", "inside"),  # NAT64 of 169.254.169.254
        ("http://[fe80::1]/", "link-local"),
        ("http://[fc00::1]/", "private"),
        ("http://[ff02::1]/", "multicast"),
        ("https://example.com:8443/", "port 8443"),
        ("http://example.com:22/", "port 22"),
        ("ftp://example.com/", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http://user:secret@example.com/", "credentials"),
    ],
)
async def test_forbidden_targets_are_refused_before_connecting(url: str, why: str) -> None:
    with pytest.raises(Refused, match=why.replace("[", r"\[")):
        await Fetcher(resolve=no_dns).fetch(url)


async def test_loopback_is_refused_without_the_allow_host(site: LocalSite) -> None:
    before = len(site.requests)
    with pytest.raises(Refused, match="port"):
        await Fetcher(resolve=no_dns).fetch(site.url("/page"))
    with pytest.raises(Refused, match="loopback"):
        await Fetcher(resolve=no_dns).fetch("http://127.0.0.1/page")
    # An allow-host is that host:port only: another port of the same address is not in it.
    with pytest.raises(Refused, match="port"):
        await fetcher(site).fetch(f"http://127.0.0.1:{site.port + 1}/page")
    assert len(site.requests) == before


@pytest.mark.parametrize(
    "answers",
    [["10.0.0.1"], ["93.184.216.34", "10.0.0.1"], ["::ffff:127.0.0.1"], ["169.254.169.254"]],
)
async def test_a_name_resolving_to_a_private_address_is_refused(answers: list[str]) -> None:
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return answers

    with pytest.raises(Refused, match="forbidden address"):
        await Fetcher(resolve=resolve).fetch("https://intranet.example.com/")
    assert asked == ["intranet.example.com"]


async def test_the_name_is_resolved_once_and_that_address_is_used(site: LocalSite) -> None:
    """httpx itself could not resolve `preview.test`: the page arriving proves the
    connection went to the address our resolver returned, with the name as Host."""
    asked: list[str] = []

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return ["127.0.0.1"]

    allowed = Fetcher(allow_hosts={f"preview.test:{site.port}"}, resolve=resolve)
    page = await allowed.fetch(f"http://preview.test:{site.port}/page")
    assert b"og:title" in page.body
    assert asked == ["preview.test"]
    assert site.requests[-1].headers["host"] == f"preview.test:{site.port}"


async def test_a_redirect_to_another_local_port_is_refused_at_the_hop(
    site: LocalSite, other_site: LocalSite
) -> None:
    for target in (other_site.url("/page"), "http://127.0.0.1/page", "http://169.254.169.254/"):
        before = site.hits(f"/redirect?to={target}")
        with pytest.raises(Refused):
            await fetcher(site).fetch(site.url(f"/redirect?to={target}"))
        assert site.hits(f"/redirect?to={target}") == before + 1  # the allowed hop was made
    assert other_site.requests == []  # the refused hop never was


async def test_at_most_three_redirects(site: LocalSite) -> None:
    page = await fetcher(site).fetch(site.url("/chain/3"))
    assert b"og:title" in page.body
    pages = site.hits("/page")
    with pytest.raises(Refused, match="more than 3 redirects"):
        await fetcher(site).fetch(site.url("/chain/4"))
    assert site.hits("/page") == pages  # the 4th redirect was not followed


async def test_only_html_is_read(site: LocalSite) -> None:
    with pytest.raises(Refused, match="application/json"):
        await fetcher(site).fetch(site.url("/json"))


async def test_a_body_over_1_mb_is_cut(site: LocalSite) -> None:
    page = await fetcher(site).fetch(site.url("/big"))
    assert page.truncated and len(page.body) == MAX_BYTES
    with pytest.raises(Refused, match="over"):  # an image cut short is no image: refused
        await fetcher(site).fetch(site.url("/big-image"), accept=("image/png",), whole=True)


async def test_a_slow_server_is_cut_by_the_total_time(site: LocalSite) -> None:
    started = time.monotonic()
    with pytest.raises(Refused, match=r"over 1\.0 s"):
        await fetcher(site, total_seconds=1.0).fetch(site.url("/slow"))
    assert time.monotonic() - started < 2  # each byte came in time; the total did not


async def test_no_cookies_no_credentials_a_plain_user_agent(site: LocalSite) -> None:
    await fetcher(site).fetch(site.url("/set-cookie"))
    final = site.requests[-1]
    assert final.path == "/page"
    assert "cookie" not in final.headers and "authorization" not in final.headers
    assert final.headers["user-agent"].startswith("Shomik link preview")
