"""The WebSocket command table: one entry, one handler, per command type."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from shomik.realtime.connection import Connection
from shomik.schemas import Model
from shomik.services import Services

In = TypeVar("In", bound=Model)


@dataclass(frozen=True)
class Context:
    services: Services
    user_id: int
    # The socket the command came on: calls bind a participant to one socket, not a user.
    conn: Connection


@dataclass(frozen=True)
class Command(Generic[In]):
    name: str
    model: type[In]
    handler: Callable[[Context, In], Awaitable[Model]]
    reply: type[Model]
    doc: str = ""
    # Its service checks the socket's session itself, in a statement it runs anyway, and
    # raises SessionEnded: the gateway's own look-up (a round trip on PostgreSQL) is spared.
    checks_session: bool = False


CommandTable = dict[str, Command[Any]]


def table(*commands: Command[Any]) -> CommandTable:
    result: CommandTable = {}
    for command in commands:
        assert command.name not in result, f"duplicate command {command.name}"
        result[command.name] = command
    return result
