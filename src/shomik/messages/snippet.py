"""Snippets of search results: the text around the first matched word, split into plain
text parts with the matched words marked, for a client to render as text (never HTML)."""

from __future__ import annotations

import re

from shomik.messages.search import fold
from shomik.messages.search_schemas import SnippetPart

# About two lines of a results list: 30 characters of lead-in, 160 in all.
LEAD = 30
WIDTH = 160
ELLIPSIS = "…"

_WORD = re.compile(r"[^\W_]+")


def snippet(content: str, tokens: list[str]) -> list[SnippetPart]:
    """The window of `content` around its first word that starts with a query token, with
    every such word in it marked. A word is matched the way the index matches it: case and
    diacritics aside, as a prefix."""
    folded = [fold(t) for t in tokens]
    hits = [
        (m.start(), m.end())
        for m in _WORD.finditer(content)
        if any(fold(m.group()).startswith(t) for t in folded)
    ]
    first = hits[0][0] if hits else 0
    start = max(0, first - LEAD)
    if start > 0:
        # Start on a word boundary, not inside a word.
        space = content.find(" ", start, first)
        start = space + 1 if space != -1 else start
    end = min(len(content), start + WIDTH)
    if end < len(content):
        space = content.rfind(" ", max(first, start), end)
        end = space if space > first else end
    parts: list[SnippetPart] = []

    def add(text: str, match: bool) -> None:
        if not text:
            return
        if parts and parts[-1].match == match:
            parts[-1].text += text
        else:
            parts.append(SnippetPart(text=text, match=match))

    add(ELLIPSIS if start > 0 else "", False)
    position = start
    for hit_start, hit_end in hits:
        if hit_end <= start or hit_start >= end:
            continue
        hit_start, hit_end = max(hit_start, start), min(hit_end, end)
        add(content[position:hit_start], False)
        add(content[hit_start:hit_end], True)
        position = hit_end
    add(content[position:end], False)
    add(ELLIPSIS if end < len(content) else "", False)
    return parts
