"""Handshake ordering (the Delivery Service): exactly one commit wins each epoch, the
others get 409 `stale_epoch` with the current epoch; accepted commits reach every member as
`e2ee:commit`, their Welcomes reach the users whose devices they added; a commit may add
only live devices of members and remove only devices no longer live. On SQLite and
PostgreSQL."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.chats.support import assert_error, remove
from tests.e2ee import mls
from tests.e2ee.support import device, found, secret_chat


async def test_two_concurrent_committers_one_wins_each_epoch(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    b1 = await device(bob)
    chat = await secret_chat(alice, bob)
    watcher = await alice.ws()

    # Both try to found the group (epoch 0) at once.
    first = await asyncio.gather(
        a1.commit(chat["id"], 0, added=[b1.device_id]),
        b1.commit(chat["id"], 0, added=[a1.device_id]),
    )
    assert sorted(r.status_code for r in first) == [200, 409], [r.text for r in first]
    winner = next(r for r in first if r.status_code == 200)
    loser = next(r for r in first if r.status_code == 409)
    assert winner.json() == {"chatId": chat["id"], "epoch": 1}
    assert_error(loser, 409, "stale_epoch")
    assert loser.json()["error"]["epoch"] == 1

    # Then, both in the group, again and again: never two commits for one epoch.
    for epoch in range(1, 6):
        results = await asyncio.gather(a1.commit(chat["id"], epoch), b1.commit(chat["id"], epoch))
        codes = sorted(r.status_code for r in results)
        assert codes == [200, 409], [r.text for r in results]
        refused = next(r for r in results if r.status_code == 409)
        assert refused.json()["error"]["epoch"] == epoch + 1
    assert (await a1.group(chat["id"]))["epoch"] == 6

    # Each accepted commit reached the members once, in epoch order; no refused one did.
    events = [await watcher.expect("e2ee:commit") for _ in range(6)]
    assert [e["data"]["epoch"] for e in events] == [0, 1, 2, 3, 4, 5]
    await watcher.quiet()
    assert len(watcher.of_type("e2ee:commit")) == 6
    page = (await b1.http.get(f"/api/e2ee/chats/{chat['id']}/commits", params={"since": 2})).json()
    assert [c["epoch"] for c in page["commits"]] == [2, 3, 4, 5]
    assert page["commits"][0] == {**events[2]["data"]}


async def test_the_committer_learns_the_epoch_and_retries(people: Any) -> None:
    alice, bob = await people(2)
    a1 = await device(alice)
    b1 = await device(bob)
    chat = await secret_chat(alice, bob)
    await found(a1, chat["id"])
    assert (await b1.commit(chat["id"], 1)).status_code == 200
    stale = await a1.commit(chat["id"], 1)
    assert_error(stale, 409, "stale_epoch")
    retry = await a1.commit(chat["id"], stale.json()["error"]["epoch"])
    assert retry.status_code == 200 and retry.json()["epoch"] == 3


async def test_welcomes_reach_the_added_devices_users(people: Any) -> None:
    alice, bob, carol = await people(3)
    a1 = await device(alice)
    a2 = await device(alice, new_session=True)
    b1 = await device(bob)
    b2 = await device(bob, new_session=True)
    await device(carol)
    chat = await secret_chat(alice, bob)
    bob_ws, alice_ws, carol_ws = await bob.ws(), await a2.ws(), await carol.ws()

    welcome = mls.welcome()
    r = await a1.commit(
        chat["id"], 0, added=[b1.device_id, b2.device_id, a2.device_id], welcome=welcome
    )
    assert r.status_code == 200, r.text
    to_bob = (await bob_ws.expect("e2ee:welcome"))["data"]
    assert to_bob == {
        "chatId": chat["id"],
        "epoch": 1,
        "deviceIds": [b1.device_id, b2.device_id],
        "welcome": welcome,
    }
    to_alice = (await alice_ws.expect("e2ee:welcome"))["data"]
    assert to_alice["deviceIds"] == [a2.device_id] and to_alice["welcome"] == welcome
    await bob_ws.quiet()
    assert len(bob_ws.of_type("e2ee:welcome")) == 1
    assert carol_ws.of_type("e2ee:welcome") == [] and carol_ws.of_type("e2ee:commit") == []

    # A device that missed the event fetches its Welcome again; the founder had none.
    again = await b2.http.get(f"/api/e2ee/chats/{chat['id']}/welcome")
    assert again.status_code == 200 and again.json()["welcome"] == welcome
    assert again.json()["deviceIds"] == [b2.device_id]
    assert_error(await a1.http.get(f"/api/e2ee/chats/{chat['id']}/welcome"), 404, "not_found")
    group = {d["deviceId"]: d for d in (await b1.group(chat["id"]))["devices"]}
    assert {i: d["addedEpoch"] for i, d in group.items()} == {
        a1.device_id: 0,
        a2.device_id: 1,
        b1.device_id: 1,
        b2.device_id: 1,
    }
    assert all(d["live"] and d["inGroup"] for d in group.values())
    assert group[b1.device_id]["identity"] == f"{bob.id}:{b1.device_id}"
    assert group[b1.device_id]["signatureKey"] == mls.b64(mls.public_key(b1.key))
    for dev in (a2, b2):
        await dev.aclose()


async def test_what_a_commit_may_add_and_remove(people: Any) -> None:
    alice, bob, carol = await people(3)
    a1 = await device(alice)
    b1 = await device(bob)
    b2 = await device(bob, new_session=True)
    c1 = await device(carol)
    group = await secret_chat(alice, bob, carol, name="Plans")
    chat_id = group["id"]
    outsider_chat = await secret_chat(carol, alice)
    assert outsider_chat["secret"] is True

    # Before the group exists, a device not in it cannot commit beyond founding.
    assert (await a1.commit(chat_id, 0, added=[b1.device_id])).status_code == 200
    assert_error(await b2.commit(chat_id, 1), 403, "not_in_group")

    cases: list[tuple[list[str], list[str], str]] = [
        ([b1.device_id], [], "cannot_add"),  # in the group already
        ([a1.device_id], [], "cannot_add"),  # the committer's own
        (["no-such-device"], [], "cannot_add"),
        ([], [b1.device_id], "cannot_remove"),  # live: it still belongs
        ([], [a1.device_id], "cannot_remove"),  # the committer's own
        ([], [b2.device_id], "cannot_remove"),  # not in the group
    ]
    for added, removed, code in cases:
        assert_error(await a1.commit(chat_id, 1, added=added, removed=removed), 422, code)
    assert (await a1.group(chat_id))["epoch"] == 1  # none of them counted

    # Malformed handshakes.
    body = {"epoch": 1, "commit": mls.commit(2)}  # made in another epoch than it says
    assert_error(
        await a1.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body), 422, "epoch_mismatch"
    )
    body = {"epoch": 1, "commit": mls.application()}
    assert_error(
        await a1.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body), 422, "not_mls"
    )
    body = {"epoch": 1, "commit": mls.commit(1), "addedDeviceIds": [c1.device_id]}
    assert_error(
        await a1.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body), 422, "invalid"
    )
    body = {"epoch": 1, "commit": mls.commit(1), "welcome": mls.welcome()}
    assert_error(
        await a1.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body), 422, "invalid"
    )
    body = {
        "epoch": 1,
        "commit": mls.commit(1),
        "addedDeviceIds": [c1.device_id],
        "welcome": mls.commit(1),
    }
    assert_error(
        await a1.http.post(f"/api/e2ee/chats/{chat_id}/commits", json=body), 422, "not_mls"
    )

    # Adding Carol's and Bob's other device: fine. Then Carol leaves: her device is no
    # longer live, and the next commit may (and should) remove it.
    r = await a1.commit(chat_id, 1, added=[c1.device_id, b2.device_id])
    assert r.status_code == 200, r.text
    await remove(carol, chat_id, carol)
    state = {d["deviceId"]: d for d in (await a1.group(chat_id))["devices"]}
    assert state[c1.device_id]["inGroup"] and not state[c1.device_id]["live"]
    assert_error(await c1.commit(chat_id, 2), 404, "not_found")  # no longer a member
    r = await b2.commit(chat_id, 2, removed=[c1.device_id])
    assert r.status_code == 200, r.text
    state = {d["deviceId"]: d for d in (await a1.group(chat_id))["devices"]}
    assert c1.device_id not in state
    await b2.aclose()


async def test_a_device_without_registration_cannot_commit(people: Any) -> None:
    alice, bob = await people(2)
    chat = await secret_chat(alice, bob)
    body = {"epoch": 0, "commit": mls.commit(0)}
    r = await alice.http.post(f"/api/e2ee/chats/{chat['id']}/commits", json=body)
    assert_error(r, 422, "no_device")
