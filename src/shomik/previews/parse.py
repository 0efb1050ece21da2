"""A page's preview metadata: Open Graph first, then Twitter cards, then plain HTML (<title>,
meta description), read with the standard library's HTML parser (tolerant of broken markup,
never a regular expression over HTML)."""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

MAX_TITLE = 200
MAX_DESCRIPTION = 300
MAX_SITE_NAME = 100


@dataclass(frozen=True)
class PageMeta:
    site_name: str
    title: str
    description: str
    image: str | None  # an absolute http(s) URL, fetched (and re-encoded) separately


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title_parts: list[str] = []
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "title":
            self._in_title = True
        elif tag == "meta":
            values = {k.lower(): v for k, v in attrs if v is not None}
            key = (values.get("property") or values.get("name") or "").strip().lower()
            content = values.get("content")
            # The first of a key wins, as in the Open Graph spec (later ones are alternates).
            if key and content is not None and key not in self.meta:
                self.meta[key] = content
        elif tag == "body":
            self.done = True  # metadata lives in <head>; the rest is not ours to read

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "head":
            self.done = True

    def handle_data(self, data: str) -> None:
        if self._in_title and not self.done:
            self.title_parts.append(data)


def _clean(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _decode(body: bytes, charset: str | None) -> str:
    try:
        codec = codecs.lookup(charset or "utf-8").name
    except LookupError:
        codec = "utf-8"
    return body.decode(codec, errors="replace")


def parse(url: str, body: bytes, charset: str | None) -> PageMeta | None:
    """The preview of a page, or None if it has nothing worth a card (no title at all)."""
    parser = _MetaParser()
    text = _decode(body, charset)
    step = 65536
    for start in range(0, len(text), step):  # in pieces, to stop once <head> is over
        parser.feed(text[start : start + step])
        if parser.done:
            break
    meta = parser.meta

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k, "").strip()), "")

    title = _clean(first("og:title", "twitter:title") or "".join(parser.title_parts), MAX_TITLE)
    description = _clean(
        first("og:description", "twitter:description", "description"), MAX_DESCRIPTION
    )
    host = urlsplit(url).hostname or ""
    site_name = _clean(
        first("og:site_name", "application-name") or host.removeprefix("www."), MAX_SITE_NAME
    )
    if not title and not description:
        return None
    image = first("og:image:secure_url", "og:image", "og:image:url", "twitter:image")
    image_url = urljoin(url, image.strip()) if image else None
    if image_url and urlsplit(image_url).scheme not in ("http", "https"):
        image_url = None
    return PageMeta(site_name=site_name, title=title, description=description, image=image_url)
