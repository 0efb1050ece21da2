"""The chat list's statements as PostgreSQL prepares them: what the planner must see."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql

from shomik.chats import listing

_POSTGRES = postgresql.asyncpg.dialect()  # type: ignore[no-untyped-call]


def test_the_hidden_message_type_is_written_into_the_sql_not_bound() -> None:
    """Bound, PostgreSQL's generic plan of the prepared statement (used after five runs)
    guessed that almost no message passes `type <> $n`, and counted a user's unread total
    with an index lookup per message: 44 ms instead of 18 for 1,000 chats of 20 messages
    (docs/benchmarks.md, "Chat list at scale"). Written in, it is planned from the
    column's statistics."""
    for name in ("_TOTALS", "_UNREAD_BY_CHAT", "_FIRST"):
        compiled = getattr(listing, name).compile(dialect=_POSTGRES)
        assert "type != 'control'" in str(compiled), name
        assert "control" not in compiled.params.values(), name
