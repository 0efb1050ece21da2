"""A new device is announced to its user's secret chats (`e2ee:device_added`), so that a
device in each group adds it without waiting for someone to open the chat or send: to the
members of each secret chat the user is in, not to anyone else, and replayed on resume. On
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from tests.e2ee import mls
from tests.e2ee.support import device, found, secret_chat


async def test_a_new_device_is_announced_to_each_secret_chat_of_its_user(people: Any) -> None:
    alice, bob, carol, dave = await people(4)
    with_alice = await secret_chat(alice, bob)
    with_carol = await secret_chat(bob, carol, name="Plans")
    await alice.group("Ordinary", bob, dave)  # not secret: nothing to add there
    a, c, d = await alice.ws(), await carol.ws(), await dave.ws()

    phone = await device(bob, new_session=True, key_packages=0)

    for ws, chat in ((a, with_alice), (c, with_carol)):
        event = await ws.expect("e2ee:device_added")
        assert event["data"] == {
            "chatId": chat["id"],
            "userId": bob.id,
            "deviceId": phone.device_id,
        }
        assert event["seq"] > 0  # durable
    await a.quiet(0.3)
    # One per chat, to that chat's members only.
    assert len(a.of_type("e2ee:device_added")) == 1
    assert len(c.of_type("e2ee:device_added")) == 1
    assert d.of_type("e2ee:device_added") == []
    await phone.aclose()


async def test_the_same_key_again_announces_nothing(people: Any) -> None:
    alice, bob = await people(2)
    await secret_chat(alice, bob)
    phone = await device(bob, key_packages=0)
    a = await alice.ws()
    again = await bob.http.post(
        "/api/e2ee/devices", json={"signatureKey": mls.b64(mls.public_key(phone.key))}
    )
    assert again.status_code == 200 and again.json()["deviceId"] == phone.device_id
    await a.quiet(0.5)
    assert a.of_type("e2ee:device_added") == []


async def test_a_new_key_announces_the_new_device_and_revokes_the_old(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    b1 = await device(bob)
    chat = await secret_chat(alice, bob)
    await found(a1, chat["id"])  # b1 is in the group
    a = await alice.ws()

    # Bob's browser lost its keys: the same session registers a new key.
    b2 = await device(bob, key_packages=0)
    revoked = await a.expect("e2ee:devices_revoked")
    assert revoked["data"]["deviceIds"] == [b1.device_id]
    added = await a.expect("e2ee:device_added")
    assert added["data"] == {"chatId": chat["id"], "userId": bob.id, "deviceId": b2.device_id}
    group = {d["deviceId"]: d for d in (await a1.group(chat["id"]))["devices"]}
    assert group[b2.device_id]["live"] and not group[b2.device_id]["inGroup"]


async def test_a_device_offline_hears_of_it_on_resume(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    a = await alice.ws()
    first = await device(bob, new_session=True, key_packages=0)
    seen = await a.expect("e2ee:device_added")
    await a.close()

    second = await device(bob, new_session=True, key_packages=0)
    resumed = await alice.ws(since=seen["seq"])
    event = await resumed.expect("e2ee:device_added")
    assert event["data"] == {"chatId": chat["id"], "userId": bob.id, "deviceId": second.device_id}
    await first.aclose()
    await second.aclose()
