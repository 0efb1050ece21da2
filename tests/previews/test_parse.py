"""The metadata parser and the link detection, in-process."""

from __future__ import annotations

import pytest

from shomik.previews.parse import MAX_TITLE, parse
from shomik.previews.service import first_link


def test_open_graph_wins_and_text_is_unescaped() -> None:
    html = b"""<html><head><title>Plain</title>
    <meta name="description" content="plain description">
    <meta property="og:title" content="OG &amp; title">
    <meta property="og:description" content="&lt;script&gt;x&lt;/script&gt;">
    <meta property="og:image" content="/img/a.png"></head><body></body></html>"""
    meta = parse("https://www.example.com/a/b", html, None)
    assert meta is not None
    assert meta.title == "OG & title"
    assert meta.description == "<script>x</script>"  # text, rendered as text by the client
    assert meta.site_name == "example.com"  # no og:site_name: the host
    assert meta.image == "https://www.example.com/img/a.png"


def test_plain_html_and_twitter_fall_back() -> None:
    html = b"""<head><title>  Just a
    title </title><meta name="twitter:description" content="tw">
    <meta name="twitter:image" content="javascript:alert(1)"></head>"""
    meta = parse("http://example.org/", html, "utf-8")
    assert meta is not None
    assert (meta.title, meta.description, meta.image) == ("Just a title", "tw", None)


def test_long_titles_are_cut_and_a_page_without_metadata_has_no_card() -> None:
    meta = parse("http://e.org/", f"<title>{'x' * 1000}</title>".encode(), None)
    assert meta is not None and len(meta.title) == MAX_TITLE
    assert parse("http://e.org/", b"<html><body><title>late</title></body></html>", None) is None


def test_the_declared_charset_is_used() -> None:
    meta = parse("http://e.org/", "<title>Привет</title>".encode("cp1251"), "windows-1251")
    assert meta is not None and meta.title == "Привет"


@pytest.mark.parametrize(
    ("text", "link"),
    [
        ("see https://example.com/a?b=1.", "https://example.com/a?b=1"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("first http://a.example, then https://b.example", "http://a.example"),
        ("HTTPS://EXAMPLE.COM!", "HTTPS://EXAMPLE.COM"),
        ("no link, example.com or ftp://x.example", None),
        ("just https://", None),
    ],
)
def test_the_first_http_link(text: str, link: str | None) -> None:
    assert first_link(text) == link
