"""Settings → Privacy in the browser: a last-seen setting another person sees applied at
once, blocking from a profile (no composer then, and the blocked person's messages never
arrive), unblocking from the list in Settings; a group invitation accepted from the chat list; and
an account an operator deactivated, shown as such as soon as it happens."""

from __future__ import annotations

import re

from playwright.async_api import Page, expect

from tests.e2e.browser import NewContext
from tests.e2e.flows import People, both_open, bubble, chat_status, composer, open_app, send
from tests.e2e.test_app import open_settings


async def open_profile(page: Page, name: str) -> None:
    await page.get_by_role("button", name=f"About {name}").click()
    await expect(page.get_by_role("complementary", name="Profile")).to_be_visible()


async def test_last_seen_privacy_set_in_settings_applies_to_the_other_person_at_once(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Private")
    bob = await people.register("Bob Viewer")
    chat = await both_open(alice, bob)
    await alice.send(chat["id"], "hello")
    client_b, page_b = await open_app(new_context, bob, "Alice Private")
    client_a, page_a = await open_app(new_context, alice)
    await expect(chat_status(page_b)).to_have_text("online")

    settings = await open_settings(page_a)
    last_seen = settings.get_by_role("group", name="Who can see my last seen time")
    await expect(last_seen.get_by_role("radio", name="People I share a chat with")).to_be_checked()
    await last_seen.get_by_role("radio", name="Nobody").click()
    await expect(chat_status(page_b)).to_have_text("last seen recently")
    # Saved: the setting is there after a reload, and the server says so too.
    await page_a.reload()
    settings = await open_settings(page_a)
    last_seen = settings.get_by_role("group", name="Who can see my last seen time")
    await expect(last_seen.get_by_role("radio", name="Nobody")).to_be_checked()
    assert (await alice.http.get("/api/users/me")).json()["privacy"]["lastSeen"] == "nobody"

    await last_seen.get_by_role("radio", name="Everybody").click()
    await expect(chat_status(page_b)).to_have_text("online")
    client_a.assert_no_errors()
    client_b.assert_no_errors()


async def test_block_from_the_profile_and_unblock_from_settings(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Blocker")
    bob = await people.register("Bob Pest")
    chat = await both_open(alice, bob)
    await bob.send(chat["id"], "first")
    client, page = await open_app(new_context, alice, "Bob Pest")
    await expect(bubble(page, "first")).to_be_visible()

    await open_profile(page, "Bob Pest")
    await page.get_by_role("button", name="Block user").click()
    dialog = page.get_by_role("dialog", name="Block Bob Pest?")
    await expect(dialog).to_contain_text("They are not told")
    await dialog.get_by_role("button", name="Block user").click()
    await expect(page.get_by_role("button", name="Unblock").first).to_be_visible()
    # No composer in their chat: Unblock in its place.
    await expect(composer(page)).to_have_count(0)
    await expect(page.get_by_test_id("unblock-bar")).to_be_visible()
    sent = await bob.send(chat["id"], "are you there?")
    assert sent["readBy"] == []

    settings = await open_settings(page)
    blocked = settings.get_by_test_id("blocked-users")
    await expect(blocked).to_contain_text("Bob Pest")
    await blocked.get_by_role("button", name="Unblock Bob Pest").click()
    await expect(blocked).to_contain_text("You have not blocked anyone.")
    await settings.get_by_role("button", name="Back").click()
    await expect(composer(page)).to_be_visible()
    await send(page, "sorry, back now")
    await expect(bubble(page, "sorry, back now")).to_be_visible()
    # What he wrote while blocked never arrived.
    await expect(bubble(page, "are you there?")).to_have_count(0)
    client.assert_no_errors()


async def test_an_invitation_is_accepted_from_the_chat_list(
    people: People, new_context: NewContext
) -> None:
    owner = await people.register("Olga Owner")
    shy = await people.register("Sam Shy")
    r = await shy.http.patch("/api/users/me/privacy", json={"groupAdds": "nobody"})
    assert r.status_code == 200
    client, page = await open_app(new_context, shy)
    created = await owner.group("Book club")
    r = await owner.http.post(f"/api/chats/{created['id']}/members", json={"userIds": [shy.id]})
    assert r.json()["invitedUserIds"] == [shy.id]
    invites = page.get_by_test_id("invites")
    # The names are isolated (U+2068…U+2069) inside the sentence.
    await expect(invites).to_contain_text(
        re.compile("\u2068Olga Owner\u2069 invites you to join «\u2068Book club\u2069»")
    )
    await invites.get_by_role("button", name="Accept").click()
    await expect(invites).to_have_count(0)
    await expect(page).to_have_url(re.compile(rf"/chat/{created['id']}$"))
    await expect(composer(page)).to_be_visible()
    members = (await owner.http.get(f"/api/chats/{created['id']}/members")).json()["members"]
    assert shy.id in [m["user"]["id"] for m in members]
    client.assert_no_errors()


async def test_an_account_an_operator_deactivated_shows_as_deactivated(
    people: People, new_context: NewContext
) -> None:
    alice = await people.register("Alice Stays")
    bob = await people.register("Bob Leaves")
    chat = await both_open(alice, bob)
    await bob.send(chat["id"], "last day today")
    await bob.ws()  # online while Alice looks
    client, page = await open_app(new_context, alice, "Bob Leaves")
    await expect(bubble(page, "last day today")).to_be_visible()
    await expect(chat_status(page)).to_have_text("online")
    # Alice's open chat learns it live (the server looks every 2 s), without a reload.
    result = await people.server.cli("admin", "deactivate", bob.username)
    assert result.returncode == 0, result.stderr
    await expect(chat_status(page)).to_have_text("account deactivated", timeout=15_000)
    await open_profile(page, "Bob Leaves")
    await expect(page.get_by_role("complementary", name="Profile")).to_contain_text(
        "account deactivated"
    )
    result = await people.server.cli("admin", "reactivate", bob.username)
    assert result.returncode == 0, result.stderr
    await expect(chat_status(page)).to_have_text(re.compile("^last seen"), timeout=15_000)
    client.assert_no_errors()
