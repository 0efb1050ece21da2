"""Devices and key packages (the Authentication Service): a device publishes only its own
key packages, at most 100; each is handed out once, only to a member of a secret chat the
owner is in, and only for devices its group lacks; ending a session takes them away. On
SQLite and PostgreSQL."""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from shomik.e2ee import wire
from tests.chats.support import assert_error
from tests.e2ee import mls
from tests.e2ee.support import device, found, query, secret_chat
from tests.harness import register


async def test_device_registration_is_per_session_and_idempotent(people: Any) -> None:
    (alice,) = await people(1)
    r = await alice.http.get("/api/e2ee/devices/current")
    assert_error(r, 404, "not_found")
    phone = await device(alice, key_packages=0)
    again = await alice.http.post(
        "/api/e2ee/devices", json={"signatureKey": mls.b64(mls.public_key(phone.key))}
    )
    assert again.status_code == 200 and again.json()["deviceId"] == phone.device_id
    laptop = await device(alice, new_session=True, key_packages=0)
    assert laptop.device_id != phone.device_id
    # A key is one device's: another session cannot claim it.
    r = await laptop.http.post(
        "/api/e2ee/devices", json={"signatureKey": mls.b64(mls.public_key(phone.key))}
    )
    assert_error(r, 409, "key_in_use")
    for bad in ("not base64!", mls.b64(b"\x00" * 31) + "=", "A" * 44):
        r = await alice.http.post("/api/e2ee/devices", json={"signatureKey": bad})
        assert r.status_code == 422, (bad, r.text)
    await laptop.aclose()


async def test_publish_checks_identity_key_signature_and_cap(people: Any) -> None:
    alice, bob = await people(2)
    r = await alice.http.post("/api/e2ee/key-packages", json={"keyPackages": [mls.welcome()]})
    assert_error(r, 422, "no_device")
    phone = await device(alice, key_packages=0)
    bobs = await device(bob, key_packages=0)

    # Bob's identity, or another key, in Alice's device's key package: not hers to publish.
    stranger = Ed25519PrivateKey.generate()
    for kp in (
        mls.key_package(bobs.identity, phone.key),
        mls.key_package(phone.identity, stranger),
    ):
        r = await phone.http.post("/api/e2ee/key-packages", json={"keyPackages": [mls.b64(kp)]})
        assert_error(r, 403, "forbidden")
    signed_by_other = bytearray(mls.key_package(phone.identity, phone.key))
    signed_by_other[-5] ^= 1  # the signature no longer verifies
    for text in (mls.b64(bytes(signed_by_other)), mls.welcome(), "%%%"):
        r = await phone.http.post("/api/e2ee/key-packages", json={"keyPackages": [text]})
        assert_error(r, 422, "not_mls")

    assert_error(await phone.publish(31), 422, "invalid")  # 30 a request
    for total in (30, 60, 90):
        r = await phone.publish(30)
        assert r.status_code == 201 and r.json() == {"stored": 30, "keyPackages": total}
    r = await phone.publish(11)
    assert_error(r, 422, "key_package_cap")
    assert r.json()["error"]["room"] == 10
    r = await phone.publish(10)
    assert r.json() == {"stored": 10, "keyPackages": 100}
    current = await alice.http.get("/api/e2ee/devices/current")
    assert current.json()["keyPackages"] == 100


async def test_key_packages_are_handed_out_once_to_chat_members_only(people: Any) -> None:
    alice, bob, carol = await people(3)
    a1 = await device(alice)
    b1 = await device(bob, key_packages=2)
    b2 = await device(bob, new_session=True, key_packages=0)  # has none to give
    c1 = await device(carol)
    chat = await secret_chat(alice, bob)
    ordinary = await alice.private_chat(bob)

    # Not in the chat, or the chat is not secret, or the target is not a member: nothing.
    assert_error(await c1.claim(bob.id, chat["id"]), 404, "not_found")
    assert_error(await a1.claim(bob.id, ordinary["id"]), 422, "not_secret")
    assert_error(await a1.claim(carol.id, chat["id"]), 422, "not_member")

    r = await a1.claim(bob.id, chat["id"])
    assert r.status_code == 200, r.text
    body = r.json()
    assert [k["deviceId"] for k in body["keyPackages"]] == [b1.device_id]
    assert body["exhaustedDeviceIds"] == [b2.device_id]
    taken = body["keyPackages"][0]["keyPackage"]
    assert wire.key_package(base64.b64decode(taken)).identity == b1.identity
    again = (await a1.claim(bob.id, chat["id"])).json()
    assert again["keyPackages"][0]["keyPackage"] != taken  # the first is gone: one use
    assert (await bob.http.get("/api/e2ee/devices/current")).json()["keyPackages"] == 0
    # One's own other devices, never the asking one.
    a2 = await device(alice, new_session=True)
    mine = (await a1.claim(alice.id, chat["id"])).json()
    assert [k["deviceId"] for k in mine["keyPackages"]] == [a2.device_id]
    await b2.aclose()
    await a2.aclose()


async def test_devices_in_the_group_get_no_claims(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    b1 = await device(bob)
    chat = await secret_chat(alice, bob)
    await found(a1, chat["id"])  # adds b1
    r = await a1.claim(bob.id, chat["id"])
    assert r.json() == {"userId": bob.id, "keyPackages": [], "exhaustedDeviceIds": []}
    assert (await bob.http.get("/api/e2ee/devices/current")).json()["keyPackages"] == 2
    assert b1.device_id


async def test_ending_a_session_revokes_its_device_and_key_packages(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    b1 = await device(bob)
    b2 = await device(bob, new_session=True, key_packages=5)
    chat = await secret_chat(alice, bob)
    await found(a1, chat["id"])
    b3 = await device(bob, new_session=True, key_packages=5)  # not in the group yet
    watcher = await alice.ws()

    sessions = (await bob.http.get("/api/sessions")).json()
    for dev in (b2, b3):
        current = (await dev.http.get("/api/sessions")).json()
        mine = next(s["id"] for s in current if s["current"])
        assert any(s["id"] == mine for s in sessions)
        r = await bob.http.delete(f"/api/sessions/{mine}")
        assert r.status_code == 204, r.text

    # b2 was in the group: its chat hears of it; b3 was not: nothing to remove.
    event = await watcher.expect("e2ee:devices_revoked")
    assert event["data"] == {"chatId": chat["id"], "userId": bob.id, "deviceIds": [b2.device_id]}
    group = {d["deviceId"]: d for d in (await a1.group(chat["id"]))["devices"]}
    assert group[b2.device_id]["inGroup"] and not group[b2.device_id]["live"]
    assert group[b2.device_id]["revokedAt"] is not None
    assert b3.device_id not in group  # revoked and never in the group: not listed
    # Their key packages went with the sessions; b1's stayed.
    ids = ", ".join(f"'{d.device_id}'" for d in (b1, b2, b3))
    sql = f"SELECT device_id, count(*) FROM e2ee_key_packages WHERE device_id IN ({ids}) GROUP BY 1"
    assert dict(await query(bob.server, sql)) == {b1.device_id: 2}
    await b2.aclose()
    await b3.aclose()


async def test_claims_are_rate_limited(make_server: Any) -> None:
    server = make_server(
        {"SHOMIK_RATE_LIMITS_ENABLED": "true", "SHOMIK_RATE_KEY_PACKAGES": "2/minute"}
    )
    alice, bob = await register(server), await register(server)
    try:
        a1 = await device(alice)
        await device(bob)
        chat = await secret_chat(alice, bob)
        for _ in range(2):
            assert (await a1.claim(bob.id, chat["id"])).status_code == 200
        r = await a1.claim(bob.id, chat["id"])
        assert_error(r, 429, "rate_limited")
        assert int(r.headers["retry-after"]) > 0
        # Refused before anything was taken: Bob's last key package is still there.
        assert (await bob.http.get("/api/e2ee/devices/current")).json()["keyPackages"] == 1
    finally:
        await alice.aclose()
        await bob.aclose()
