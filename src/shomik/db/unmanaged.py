"""Search-index objects the migrations create that `tables.py` cannot describe: the SQLite
FTS5 table (and the shadow tables FTS5 keeps beside it) and the PostgreSQL GIN expression
index. The schema comparison (migrations/env.py, tests/db/test_migrations.py) skips them by
name through `include_name`."""

from __future__ import annotations

from typing import Any

# The FTS5 table over messages.content (external content: it stores only the index).
FTS_TABLE = "messages_fts"
# The GIN index on to_tsvector('simple', content) (PostgreSQL).
GIN_INDEX = "ix_messages_content_fts"


def include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    """Alembic's name filter: False for the search index and FTS5's shadow tables
    (messages_fts_data, _idx, _docsize, _config)."""
    if name is None:
        return True
    if type_ == "table" and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False
    return not (type_ == "index" and name == GIN_INDEX)
