"""Event kinds: each server-pushed event has one name, one payload model, and is either
durable (stored in the event log with a `seq`, replayed on resume) or ephemeral."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from shomik.schemas import Model

T = TypeVar("T", bound=Model)


@dataclass(frozen=True)
class EventKind(Generic[T]):
    name: str
    model: type[T]
    durable: bool
    doc: str = ""


def frame(kind_name: str, data_json: str, seq: int | None = None) -> str:
    """The wire frame, built from pre-serialized JSON so a fan-out to many sockets
    serializes the payload once."""
    if seq is None:
        return f'{{"type":"{kind_name}","data":{data_json}}}'
    return f'{{"type":"{kind_name}","seq":{seq},"data":{data_json}}}'
