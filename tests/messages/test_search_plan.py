"""A search on PostgreSQL is planned with its actual words. `find` asks for a custom plan
with `SET LOCAL`, which PostgreSQL ignores outside a transaction: in an autocommit read the
prepared statement's generic plan took 0.9 s for a common word in 100,000 messages, against
18 ms (docs/benchmarks.md, "Search")."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from shomik.chats import service as chats
from shomik.chats.schemas import GroupChatCreate
from shomik.messages import search as search_repo
from shomik.messages import search_service
from shomik.messages import service as messages
from shomik.messages.schemas import MessageSend
from shomik.services import Services
from tests.inprocess import new_user, quiet_services  # noqa: F401 (a fixture)


@pytest.fixture
def services(quiet_services: Services) -> Services:  # noqa: F811 (the imported fixture)
    return quiet_services


# The plan cache is PostgreSQL's: SQLite has nothing here to test.
@pytest.mark.parametrize(
    "quiet_services", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_the_search_runs_where_its_custom_plan_holds(
    services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    me, other = await new_user(services), await new_user(services)
    group = GroupChatCreate(type="group", name="g", participant_ids=[other])
    chat = await chats.create_group(services, me, group)
    await messages.send(services, me, MessageSend(chat_id=chat.id, content="hello there"))
    modes: list[str] = []
    find = search_repo.find

    async def observed(conn: Any, *args: Any, **kwargs: Any) -> Any:
        found = await find(conn, *args, **kwargs)
        modes.append((await conn.execute(sa.text("SHOW plan_cache_mode"))).scalar_one())
        return found

    monkeypatch.setattr(search_repo, "find", observed)
    page = await search_service.search(services, me, "hello", None, 20, None)
    assert [r.message.content for r in page.results] == ["hello there"]
    assert modes == ["force_custom_plan"]
