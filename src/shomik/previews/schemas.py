"""The public link preview of a message, and how it is kept in `messages.link_preview`."""

from __future__ import annotations

from typing import Any

from shomik.schemas import Id, Model

# What `messages.link_preview` holds once the author removed the card: the fetch that may
# still be running then leaves the message alone (it only fills a NULL).
REMOVED: dict[str, Any] = {"removed": True}


class LinkPreview(Model):
    url: str
    site_name: str
    title: str
    description: str
    # Our copy of the page's image, re-encoded (never the site's own URL); fetched with the
    # bearer header like other files.
    image_url: str | None


class PreviewRemove(Model):
    message_id: Id


def image_path(message_id: int) -> str:
    return f"/api/messages/{message_id}/link-preview/image"


def to_public(message_id: int, stored: Any) -> LinkPreview | None:
    """The stored JSON ({url, siteName, title, description, image: {name, mime} | null})
    as the client sees it; None for no preview (not fetched, failed or removed)."""
    if not isinstance(stored, dict) or stored.get("removed") or "url" not in stored:
        return None
    return LinkPreview(
        url=stored["url"],
        site_name=stored.get("siteName", ""),
        title=stored.get("title", ""),
        description=stored.get("description", ""),
        image_url=image_path(message_id) if stored.get("image") else None,
    )
