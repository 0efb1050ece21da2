"""Link previews end to end, through a real server on SQLite and PostgreSQL, against the
local test site (allowed by SHOMIK_LINK_PREVIEW_ALLOW_HOSTS)."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.engines import ENGINES, engine_server
from tests.harness import ServerProcess, User, WsError, register
from tests.previews.site import DESCRIPTION, IMAGE_SIZE, SECRET, SITE_NAME, TITLE, LocalSite


@pytest.fixture(scope="module", params=ENGINES)
def preview_server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, site: LocalSite
) -> Iterator[ServerProcess]:
    env = {"SHOMIK_LINK_PREVIEW_ALLOW_HOSTS": site.host}
    with engine_server(request, tmp_path_factory, env) as proc:
        yield proc


@pytest.fixture
async def pair(preview_server: ServerProcess) -> AsyncIterator[tuple[User, User, int]]:
    alice, bob = await register(preview_server), await register(preview_server)
    chat = await alice.private_chat(bob)
    yield alice, bob, chat["id"]
    await alice.aclose()
    await bob.aclose()


def _is(message_id: int) -> Any:
    return lambda data: data["id"] == message_id


async def test_a_link_gets_a_card_with_our_copy_of_the_image(
    pair: tuple[User, User, int], site: LocalSite, preview_server: ServerProcess
) -> None:
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    sent = await alice.send(chat_id, f"look: {site.url('/page')}.")
    assert sent["linkPreview"] is None  # the ack never waits for the fetch
    frame = await bob_ws.expect("message:updated", _is(sent["id"]), timeout=10)
    preview = frame["data"]["linkPreview"]
    assert preview["url"] == site.url("/page")
    assert (preview["title"], preview["description"], preview["siteName"]) == (
        TITLE,
        DESCRIPTION,
        SITE_NAME,
    )
    assert preview["imageUrl"] == f"/api/messages/{sent['id']}/link-preview/image"
    assert frame["data"]["editedAt"] is None  # a card is not an edit

    image = await bob.http.get(preview["imageUrl"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/png"
    assert SECRET not in image.content and image.content != site.png  # re-encoded
    assert Image.open(io.BytesIO(image.content)).size == IMAGE_SIZE
    stranger = await register(preview_server)
    assert (await stranger.http.get(preview["imageUrl"])).status_code == 404
    await stranger.aclose()

    history = await bob.http.get(f"/api/chats/{chat_id}/messages")
    (stored,) = [m for m in history.json()["messages"] if m["id"] == sent["id"]]
    assert stored["linkPreview"] == preview


async def test_previews_are_cached_per_url(pair: tuple[User, User, int], site: LocalSite) -> None:
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    fetched = site.hits("/page2")  # by this server's cache, not another engine's
    first = await alice.send(chat_id, site.url("/page2"))
    await bob_ws.expect("message:updated", _is(first["id"]), timeout=10)
    again = await alice.send(chat_id, f"again {site.url('/page2')}")
    frame = await bob_ws.expect("message:updated", _is(again["id"]), timeout=10)
    assert frame["data"]["linkPreview"]["title"] == "Second page"
    assert site.hits("/page2") == fetched + 1


async def test_the_sender_removes_the_card_for_everyone(
    pair: tuple[User, User, int], site: LocalSite
) -> None:
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    alice_ws = await alice.ws()
    sent = await alice.send(chat_id, site.url("/page"))
    await bob_ws.expect("message:updated", _is(sent["id"]), timeout=10)
    with pytest.raises(WsError) as refused:
        await bob_ws.command("message:preview_remove", {"messageId": sent["id"]})
    assert refused.value.code == "forbidden"
    ack = await alice_ws.command("message:preview_remove", {"messageId": sent["id"]})
    assert ack["linkPreview"] is None
    frame = await bob_ws.expect("message:updated", _is(sent["id"]))
    assert frame["data"]["linkPreview"] is None
    history = await bob.http.get(f"/api/chats/{chat_id}/messages")
    assert all(
        m["linkPreview"] is None for m in history.json()["messages"] if m["id"] == sent["id"]
    )


async def test_an_edit_that_changes_the_link_previews_the_new_one(
    pair: tuple[User, User, int], site: LocalSite
) -> None:
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    alice_ws = await alice.ws()
    sent = await alice.send(chat_id, site.url("/page"))
    await bob_ws.expect("message:updated", _is(sent["id"]), timeout=10)
    new_text = f"rather {site.url('/other-page')}"
    await alice_ws.command("message:edit", {"messageId": sent["id"], "content": new_text})
    edited = await bob_ws.expect("message:updated", _is(sent["id"]))
    assert edited["data"]["linkPreview"] is None  # the old card goes with the old link
    card = await bob_ws.expect("message:updated", _is(sent["id"]), timeout=10)
    assert card["data"]["linkPreview"]["title"] == "Other page"


async def test_a_slow_page_never_delays_the_ack(
    pair: tuple[User, User, int], site: LocalSite
) -> None:
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    started = time.monotonic()
    sent = await alice.send(chat_id, site.url("/slow"))
    assert time.monotonic() - started < 1.5
    await bob_ws.expect("message:new", _is(sent["id"]))
    await asyncio.sleep(5.5)  # past the 5 s cap: the fetch was given up, no card came
    assert not [f for f in bob_ws.of_type("message:updated") if f["data"]["id"] == sent["id"]]


async def test_refused_links_get_no_card(
    pair: tuple[User, User, int], site: LocalSite, other_site: LocalSite
) -> None:
    """A loopback site not in the allow-list, a redirect from the allowed site to it, and a
    JSON document: no request reaches the other site and no card arrives."""
    alice, bob, chat_id = pair
    bob_ws = await bob.ws()
    links = [
        other_site.url("/page"),
        site.url(f"/redirect?to={other_site.url('/page')}"),
        site.url("/json"),
        "http://169.254.169.254/latest/meta-data/",
    ]
    redirects = site.hits(f"/redirect?to={other_site.url('/page')}")
    ids = [(await alice.send(chat_id, link))["id"] for link in links]
    await asyncio.sleep(2)
    assert not [f for f in bob_ws.of_type("message:updated") if f["data"]["id"] in ids]
    assert other_site.requests == []
    assert site.hits(f"/redirect?to={other_site.url('/page')}") == redirects + 1


async def test_previews_can_be_turned_off(
    site: LocalSite, tmp_path_factory: pytest.TempPathFactory
) -> None:
    env = {"SHOMIK_LINK_PREVIEW_ALLOW_HOSTS": site.host, "SHOMIK_LINK_PREVIEWS": "false"}
    proc = ServerProcess(Path(tmp_path_factory.mktemp("previews-off")), env=env)
    proc.start()
    try:
        alice, bob = await register(proc), await register(proc)
        chat = await alice.private_chat(bob)
        bob_ws = await bob.ws()
        before = len(site.requests)
        await alice.send(chat["id"], site.url("/page?off"))
        await asyncio.sleep(1.5)
        assert bob_ws.of_type("message:updated") == [] and len(site.requests) == before
        await alice.aclose()
        await bob.aclose()
    finally:
        proc.stop()
