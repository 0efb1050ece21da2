"""A secret chat's push notification carries no message text, whatever the recipient's
preview setting: "New message in a secret chat", in their language. On SQLite and
PostgreSQL (this folder's conftest), against the local push service."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.e2ee import mls
from tests.e2ee.support import secret_chat
from tests.push.pushservice import PushService
from tests.push.test_push import subscribe


async def test_secret_chat_pushes_carry_no_plaintext(
    people: Any, push_service: PushService
) -> None:
    alice, bob, carol = await people(3)
    r = await carol.http.patch("/api/users/me", json={"params": {"language": "ru"}})
    assert r.status_code == 200, r.text
    chat = await secret_chat(alice, bob)
    group = await secret_chat(alice, bob, carol, name="Plans")
    bob_browser, carol_browser = push_service.browser(), push_service.browser()
    await subscribe(bob, bob_browser)
    await subscribe(carol, carol_browser)

    content = mls.application()
    sent = await alice.send(chat["id"], content)
    (received,) = await push_service.wait_for(bob_browser)
    payload = received.payload(bob_browser)
    assert payload["body"] == "New message in a secret chat"
    assert payload["messageId"] == sent["id"] and payload["chatId"] == chat["id"]
    assert content not in str(payload)

    await alice.send(group["id"], mls.application())
    (to_carol,) = await push_service.wait_for(carol_browser)
    assert to_carol.payload(carol_browser)["body"] == "Новое сообщение в секретном чате"


async def test_control_messages_are_never_pushed(people: Any, push_service: PushService) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    browser = push_service.browser()
    await subscribe(bob, browser)
    body = {"chatId": chat["id"], "type": "control", "content": mls.application()}
    r = await alice.http.post("/api/messages", json=body)
    assert r.status_code == 201, r.text
    sent = await alice.send(chat["id"], mls.application())
    (received,) = await push_service.wait_for(browser)
    assert received.payload(browser)["messageId"] == sent["id"]
    await asyncio.sleep(0.5)  # pushes go out in order: nothing else is on its way
    assert len(push_service.to(browser)) == 1
