"""Web Push end to end against a local push service: who gets a push, what it carries (a
VAPID JWT that verifies, a payload only the subscriber can decrypt, TTL, Urgency, Topic),
and which subscriptions are refused (SSRF) or forgotten. On SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.harness import ServerProcess, User
from tests.push.pushservice import Browser, PushService, b64url, b64url_decode
from tests.uploads.files import image


async def subscribe(user: User, browser: Browser) -> None:
    r = await user.http.post("/api/push/subscriptions", json=browser.subscription())
    assert r.status_code == 201, r.text
    assert r.json() == browser.subscription()


async def server_key(user: User) -> str:
    r = await user.http.get("/api/push/key")
    assert r.status_code == 200, r.text
    key = str(r.json()["publicKey"])
    assert len(b64url_decode(key)) == 65 and b64url_decode(key)[0] == 4
    return key


async def only_push(service: PushService, browser: Browser) -> dict[str, Any]:
    """The one push this browser got (a later sentinel proved nothing else was coming)."""
    (received,) = await service.wait_for(browser)
    await asyncio.sleep(0.3)
    assert len(service.to(browser)) == 1, "more pushes than expected"
    return received.payload(browser)


async def test_offline_member_gets_an_encrypted_signed_push(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    await alice.ws()  # the sender being online changes nothing
    sent = await alice.send(chat["id"], "Lunch at noon?")

    (received,) = await push_service.wait_for(browser)
    claims = received.claims(await server_key(bob), audience=push_service.origin)
    assert claims["exp"] > time.time() and claims["exp"] <= time.time() + 24 * 3600
    assert claims["sub"].startswith("mailto:")
    assert received.headers["urgency"] == "high"  # a private message
    assert received.headers["topic"] == f"chat-{chat['id']}"
    assert 0 < int(received.headers["ttl"]) <= 7 * 24 * 3600
    assert received.payload(browser) == {
        "kind": "message",
        "chatId": chat["id"],
        "messageId": sent["id"],
        "title": alice.me["displayName"],
        "body": "Lunch at noon?",
        "tag": f"chat-{chat['id']}",
        "url": f"/chat/{chat['id']}",
        "icon": None,  # Alice has no picture
    }
    # Not decryptable by anyone else: another browser's keys fail.
    other = push_service.browser()
    try:
        received.payload(other)
    except Exception:
        pass
    else:
        raise AssertionError("decrypted with the wrong keys")


async def test_a_member_with_a_socket_gets_no_push(people: Any, push_service: PushService) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    ws = await bob.ws()
    await alice.send(chat["id"], "you are here")
    await ws.expect("message:new")
    await ws.close()
    await asyncio.sleep(0.3)  # the server notices the socket is gone
    await alice.send(chat["id"], "and now you are not")
    assert (await only_push(push_service, browser))["body"] == "and now you are not"


async def test_subscriptions_made_before_a_restart_still_get_pushes(
    people: Any, push_service: PushService, push_server: ServerProcess
) -> None:
    """Who may be pushed to is kept in memory (push/subscribed.py): a restarted server reads
    it again from the database, or it would push to no one subscribed before."""
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    push_server.stop()
    push_server.start()
    await alice.send(chat["id"], "after the restart")
    assert (await only_push(push_service, browser))["body"] == "after the restart"


async def test_muted_chat_pushes_only_mentions(people: Any, push_service: PushService) -> None:
    alice, bob, carol = await people(3)
    group = await alice.group("Team", bob, carol)
    browser = push_service.browser()
    await subscribe(bob, browser)
    await alice.send(group["id"], "before muting")
    (first,) = await push_service.wait_for(browser)
    assert first.headers["urgency"] == "normal"  # a group message without a mention
    assert first.payload(browser)["title"] == f"{alice.me['displayName']} · Team"

    url = f"/api/chats/{group['id']}/settings"
    r = await bob.http.patch(url, json={"mutedUntil": "9999-01-01T00:00:00Z"})
    assert r.status_code == 200, r.text
    await alice.send(group["id"], "muted, so silent")
    await alice.send(group["id"], f"@{bob.username} but this is for you")
    pushes = await push_service.wait_for(browser, 2)
    await asyncio.sleep(0.3)
    assert len(push_service.to(browser)) == 2
    assert pushes[1].payload(browser)["body"] == f"@{bob.username} but this is for you"
    assert pushes[1].headers["urgency"] == "high"


async def test_push_preview_off_hides_sender_and_text(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    r = await bob.http.patch("/api/users/me", json={"params": {"pushPreview": False}})
    assert r.status_code == 200, r.text
    assert r.json()["params"]["pushPreview"] is False
    browser = push_service.browser()
    await subscribe(bob, browser)
    await alice.send(chat["id"], "a secret")
    payload = await only_push(push_service, browser)
    assert payload["body"] == "New message" and payload["title"] == "Shomik"
    assert "a secret" not in str(payload) and payload["icon"] is None


async def test_the_senders_picture_is_a_capability_url_the_worker_can_fetch(
    people: Any, push_service: PushService, push_server: ServerProcess
) -> None:
    """The service worker has no token: the sender's avatar comes at /api/avatars/{id},
    served without one while it is an avatar, and a 404 for anything else."""
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    photo = await alice.http.post(
        "/api/upload", files={"file": ("me.png", image("PNG", (200, 200)), "image/png")}
    )
    avatar_id = photo.json()["id"]
    r = await alice.http.patch("/api/users/me", json={"avatarId": avatar_id})
    assert r.status_code == 200, r.text
    browser = push_service.browser()
    await subscribe(bob, browser)
    await alice.send(chat["id"], "see my face")
    payload = await only_push(push_service, browser)
    assert payload["icon"] == f"/api/avatars/{avatar_id}"
    async with httpx.AsyncClient(base_url=push_server.url) as anon:
        r = await anon.get(payload["icon"])
        assert r.status_code == 200 and r.headers["content-type"] == "image/webp"
        # Not a way into other files: a sent photo's id is a 404 here.
        other = await alice.http.post(
            "/api/upload", files={"file": ("p.png", image("PNG"), "image/png")}
        )
        await alice.send(chat["id"], "", attachmentIds=[other.json()["id"]])
        assert (await anon.get(f"/api/avatars/{other.json()['id']}")).status_code == 404
        # Nor once it is no longer an avatar.
        await alice.http.patch("/api/users/me", json={"avatarId": None})
        assert (await anon.get(payload["icon"])).status_code == 404


async def test_gone_subscription_is_deleted(people: Any, push_service: PushService) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    gone, sentinel = push_service.browser(), push_service.browser()
    await subscribe(bob, gone)
    push_service.replies[gone.endpoint.removeprefix(push_service.origin)] = [(410, {})]
    await alice.send(chat["id"], "first")
    await push_service.wait_for(gone)
    await asyncio.sleep(0.3)  # the 410 is handled
    await subscribe(bob, sentinel)
    await alice.send(chat["id"], "second")
    await push_service.wait_for(sentinel)
    await asyncio.sleep(0.3)
    assert len(push_service.to(gone)) == 1  # deleted: not tried again


async def test_429_is_retried_after_retry_after(people: Any, push_service: PushService) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    path = browser.endpoint.removeprefix(push_service.origin)
    push_service.replies[path] = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    await alice.send(chat["id"], "again")
    _, second = await push_service.wait_for(browser, 2)
    assert time.monotonic() - started >= 0.9
    assert second.payload(browser)["body"] == "again"


async def test_resubscribing_replaces_and_unsubscribing_stops(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    old = push_service.browser()
    await subscribe(bob, old)
    # The same endpoint with new keys (the browser renewed them): one row, the new keys.
    renewed = Browser(old.endpoint)
    await subscribe(bob, renewed)
    await alice.send(chat["id"], "renewed")
    assert (await only_push(push_service, renewed))["body"] == "renewed"

    r = await bob.http.request("DELETE", "/api/push/subscriptions", json={"endpoint": old.endpoint})
    assert r.status_code == 204, r.text
    sentinel = push_service.browser()
    await subscribe(bob, sentinel)
    await alice.send(chat["id"], "after unsubscribing")
    await push_service.wait_for(sentinel)
    await asyncio.sleep(0.3)
    assert len(push_service.to(renewed)) == 1


async def test_logout_all_deletes_subscriptions(people: Any, push_service: PushService) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    r = await bob.http.post("/api/auth/logout-all")
    assert r.status_code == 200, r.text
    bob.set_token(r.json()["access_token"])
    sentinel = push_service.browser()
    await subscribe(bob, sentinel)  # a subscription made after it stays
    await alice.send(chat["id"], "are you there?")
    await push_service.wait_for(sentinel)
    await asyncio.sleep(0.3)
    assert push_service.to(browser) == []


async def test_bad_subscriptions_are_refused(people: Any, push_service: PushService) -> None:
    (bob,) = await people(1)
    good = push_service.browser().subscription()
    keys = good["keys"]
    bad_endpoints = [
        "http://fcm.googleapis.com/fcm/send/x",  # not https
        "https://evil.example.com/push/x",  # a foreign host
        "https://fcm.googleapis.com.evil.example/x",  # a look-alike
        "https://fcm.googleapis.com:8443/x",  # a known host on another port
        "https://user:pw@fcm.googleapis.com/x",  # credentials
        f"http://127.0.0.1:{push_service.port + 1}/push/x",  # the extra host, another port
        "http://localhost:8000/api/health",
        "https://169.254.169.254/latest/meta-data",
        "file:///etc/passwd",
    ]
    for endpoint in bad_endpoints:
        r = await bob.http.post(
            "/api/push/subscriptions", json={"endpoint": endpoint, "keys": keys}
        )
        assert r.status_code == 422, (endpoint, r.text)
        assert r.json()["error"]["code"] == "push_endpoint"
    bad_keys = [
        {"p256dh": b64url(b"\x04" + bytes(64)), "auth": keys["auth"]},  # not on the curve
        {"p256dh": keys["p256dh"][:-4], "auth": keys["auth"]},  # truncated
        {"p256dh": keys["p256dh"], "auth": b64url(bytes(8))},  # a short auth secret
        {"p256dh": "not base64 !!", "auth": keys["auth"]},
    ]
    for bad in bad_keys:
        r = await bob.http.post(
            "/api/push/subscriptions", json={"endpoint": good["endpoint"], "keys": bad}
        )
        assert r.status_code == 422, (bad, r.text)
    r = await bob.http.post("/api/push/subscriptions", json={"endpoint": good["endpoint"]})
    assert r.status_code == 422
    # The known push services are accepted as they are.
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/abc",
        "https://updates.push.services.mozilla.com/wpush/v2/abc",
        "https://web.push.apple.com/QGx",
        "https://db5p.notify.windows.com/w/?token=abc",
    ):
        r = await bob.http.post(
            "/api/push/subscriptions", json={"endpoint": endpoint, "keys": keys}
        )
        assert r.status_code == 201, (endpoint, r.text)
    r = await bob.http.get("/api/push/key", headers={"Authorization": ""})
    assert r.status_code == 401


async def test_incoming_call_pushes_the_callee_without_a_socket(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    caller = await alice.ws()
    await caller.command("call:start", {"chatId": chat["id"], "media": "video"})
    payload = await only_push(push_service, browser)
    assert payload["kind"] == "call" and payload["title"] == alice.me["displayName"]
    assert payload["body"] == "Incoming video call" and payload["url"] == f"/chat/{chat['id']}"
    (received,) = push_service.to(browser)
    assert received.headers["urgency"] == "high"
    assert int(received.headers["ttl"]) <= 45  # no use once the ringing is over


async def test_a_slow_push_service_never_delays_sending(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    browser = push_service.browser()
    push_service.delays[browser.endpoint.removeprefix(push_service.origin)] = 3.0
    await subscribe(bob, browser)
    started = time.monotonic()
    for n in range(5):
        await alice.send(chat["id"], f"quick {n}")
    assert time.monotonic() - started < 2.0  # the pushes wait in the background
    pushes = await push_service.wait_for(browser, 5, timeout=20)
    assert sorted(p.payload(browser)["body"] for p in pushes) == [f"quick {n}" for n in range(5)]


async def test_notification_words_follow_the_recipients_language(
    people: Any, push_service: PushService
) -> None:
    alice, bob = await people(2)
    chat = await alice.private_chat(bob)
    r = await bob.http.patch(
        "/api/users/me", json={"params": {"language": "ru", "pushPreview": False}}
    )
    assert r.status_code == 200, r.text
    browser = push_service.browser()
    await subscribe(bob, browser)
    await alice.send(chat["id"], "секрет")
    payload = await only_push(push_service, browser)
    assert payload["body"] == "Новое сообщение" and "секрет" not in str(payload)
