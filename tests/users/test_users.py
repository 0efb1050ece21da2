from __future__ import annotations

from typing import Any

from tests.uploads.files import image


async def test_me_and_settings_follow_the_user(users: Any) -> None:
    (alice,) = await users(1)
    r = await alice.http.patch(
        "/api/users/me", json={"displayName": "Alice A.", "params": {"theme": "light"}}
    )
    assert r.status_code == 200
    assert r.json()["displayName"] == "Alice A."
    assert r.json()["params"] == {
        "theme": "light",
        "messageTextSize": 16,
        "language": None,
        "pushPreview": True,
    }
    r = await alice.http.patch("/api/users/me", json={"params": {"messageTextSize": 18}})
    assert r.json()["params"] == {
        "theme": "light",
        "messageTextSize": 18,
        "language": None,
        "pushPreview": True,
    }
    me = (await alice.http.get("/api/users/me")).json()
    assert me["params"] == {
        "theme": "light",
        "messageTextSize": 18,
        "language": None,
        "pushPreview": True,
    }
    assert me["displayName"] == "Alice A."


async def test_bad_settings_are_refused_and_change_nothing(users: Any) -> None:
    (alice,) = await users(1)
    for body in (
        {"params": {"theme": "neon"}},
        {"params": {"messageTextSize": 100}},
        {"params": {"messageTextSize": "big"}},
        {"params": {"unknown": 1}},
        {"params": {"language": "de"}},
        {"params": {"language": "RU"}},
        {"params": {"language": 1}},
        # Found by schemathesis (tests/fuzz): not coerced to 18 or False, refused.
        {"params": {"messageTextSize": "18"}},
        {"params": {"messageTextSize": 18.0}},
        {"params": {"pushPreview": 0}},
        {"params": {"pushPreview": "false"}},
        {"displayName": ""},
        {"displayName": "x" * 65},
        {"avatarId": "not-mine"},
        {"username": "renamed"},
    ):
        r = await alice.http.patch("/api/users/me", json=body)
        assert r.status_code == 422, (body, r.text)
        assert "error" in r.json()
    me = (await alice.http.get("/api/users/me")).json()
    assert me["params"] == {
        "theme": "dark",
        "messageTextSize": 16,
        "language": None,
        "pushPreview": True,
    }
    assert me["displayName"] == alice.me["displayName"] and me["avatarUrl"] is None


async def test_the_language_is_a_setting_and_null_follows_the_browser(users: Any) -> None:
    (alice,) = await users(1)
    r = await alice.http.patch("/api/users/me", json={"params": {"language": "ru"}})
    assert r.status_code == 200 and r.json()["params"]["language"] == "ru"
    # Another setting leaves the language alone...
    r = await alice.http.patch("/api/users/me", json={"params": {"theme": "light"}})
    assert r.json()["params"] == {
        "theme": "light",
        "messageTextSize": 16,
        "language": "ru",
        "pushPreview": True,
    }
    # ...and an explicit null goes back to the browser's choice.
    r = await alice.http.patch("/api/users/me", json={"params": {"language": None}})
    assert r.json()["params"]["language"] is None
    me = (await alice.http.get("/api/users/me")).json()
    assert me["params"] == {
        "theme": "light",
        "messageTextSize": 16,
        "language": None,
        "pushPreview": True,
    }


async def test_find_people_by_name(users: Any) -> None:
    alice, bob = await users(2)
    r = await alice.http.get("/api/users", params={"q": bob.username.upper()})
    assert r.status_code == 200
    assert [u["id"] for u in r.json()["users"]] == [bob.id]
    assert "params" not in r.json()["users"][0]  # other people's settings stay private
    me = await alice.http.get("/api/users", params={"q": alice.username})
    assert me.json()["users"] == []  # you do not find yourself
    wild = await alice.http.get("/api/users", params={"q": "%"})
    assert wild.status_code == 200 and wild.json()["users"] == []  # LIKE wildcards are literal
    assert (await alice.http.get("/api/users", params={"q": ""})).status_code == 422
    one = await alice.http.get(f"/api/users/{bob.id}")
    assert one.json()["username"] == bob.username
    assert (await alice.http.get("/api/users/999999999")).status_code == 404


async def test_name_changes_reach_contacts_live(users: Any) -> None:
    alice, bob, stranger = await users(3)
    await alice.private_chat(bob)
    b, s = await bob.ws(), await stranger.ws()
    await alice.http.patch("/api/users/me", json={"params": {"theme": "light"}})
    await alice.http.patch("/api/users/me", json={"displayName": "Alice Renamed"})
    event = await b.expect("user:updated")
    assert event["data"]["id"] == alice.id and event["data"]["displayName"] == "Alice Renamed"
    assert "params" not in event["data"] and event["seq"] > 0  # durable: replayed on resume
    await b.quiet(0.3)
    assert len(b.of_type("user:updated")) == 1  # a settings change is nobody else's business
    assert s.of_type("user:updated") == []
    # Missed while away, it comes back with the resume.
    since = event["seq"]
    await b.close()
    await alice.http.patch("/api/users/me", json={"displayName": "Alice Again"})
    resumed = await bob.ws(since=since)
    again = await resumed.expect("user:updated")
    assert again["data"]["displayName"] == "Alice Again"


async def test_avatar_is_public_while_in_use_and_private_after(users: Any) -> None:
    alice, stranger = await users(2)
    ids = []
    for _ in range(2):
        r = await alice.http.post(
            "/api/upload", files={"file": ("me.png", image("PNG"), "image/png")}
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
    assert (await stranger.http.get(f"/api/files/{ids[0]}")).status_code == 404
    me = (await alice.http.patch("/api/users/me", json={"avatarId": ids[0]})).json()
    assert me["avatarUrl"] == f"/api/files/{ids[0]}"
    assert (await stranger.http.get(me["avatarUrl"])).status_code == 200
    await alice.http.patch("/api/users/me", json={"avatarId": ids[1]})
    assert (await stranger.http.get(f"/api/files/{ids[0]}")).status_code == 404
    assert (await stranger.http.get(f"/api/files/{ids[1]}")).status_code == 200
    assert (await alice.http.get(f"/api/files/{ids[0]}")).status_code == 200  # still hers
    r = await stranger.http.patch("/api/users/me", json={"avatarId": ids[1]})
    assert r.status_code == 422  # someone else's image is not your avatar
