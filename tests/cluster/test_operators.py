"""`shomik admin` beside a cluster: what an operator changes reaches every process's
sockets, once."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from tests.cluster.harness import Cluster
from tests.harness import User

Users = Callable[[int], Awaitable[list[User]]]


async def test_a_deactivation_is_announced_once_to_contacts_on_every_process(
    cluster: Cluster, cluster_users: Users
) -> None:
    carol, *contacts = await cluster_users(4)
    chat = await carol.group("Team", *contacts)
    watchers = [await cluster.ws_on(person, i) for i, person in enumerate(contacts)]
    result = await cluster.processes[0].cli("admin", "deactivate", carol.username)
    assert result.returncode == 0, result.stderr
    for ws in watchers:
        # Every process notices (each looks every 2 s); one of them announces.
        news = await ws.expect("user:updated", lambda d: d["id"] == carol.id, timeout=20)
        assert news["data"]["deactivated"] is True
    await watchers[0].quiet(4.5)  # two more looks of every process
    for ws in watchers:
        assert len(ws.of_type("user:updated")) == 1, "announced more than once"
    members = (await contacts[0].http.get(f"/api/chats/{chat['id']}/members")).json()
    assert [
        m["user"]["deactivated"] for m in members["members"] if m["user"]["id"] == carol.id
    ] == [True]
