"""The WebSocket protocol in one place: envelopes, the command table and the event kinds,
and the JSON Schema generated from them (`shomik schema`)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.json_schema import JsonSchemaMode, models_json_schema

from shomik.calls import events as call_events
from shomik.calls import ws as calls_ws
from shomik.chats import events as chat_events
from shomik.chats.settings import MAX_PINNED
from shomik.e2ee import events as e2ee_events
from shomik.messages import events as message_events
from shomik.messages import ws as messages_ws
from shomik.messages.schemas import MAX_ATTACHMENTS, MAX_MESSAGE_LENGTH
from shomik.presence import events as presence_events
from shomik.presence import ws as presence_ws
from shomik.previews import ws as previews_ws
from shomik.privacy import events as privacy_events
from shomik.realtime.commands import CommandTable, table
from shomik.realtime.kinds import EventKind
from shomik.schemas import Model, UtcDatetime
from shomik.settings import Settings
from shomik.users.schemas import UserMe

# The newest page a client fetches when it opens a chat.
HISTORY_PAGE_SIZE = 50

COMMANDS: CommandTable = table(
    *messages_ws.COMMANDS, *previews_ws.COMMANDS, *presence_ws.COMMANDS, *calls_ws.COMMANDS
)

EVENTS: tuple[EventKind[Any], ...] = (
    message_events.MESSAGE_NEW,
    message_events.REACTION_UPDATED,
    message_events.READ_UPDATED,
    message_events.PIN_UPDATED,
    message_events.MESSAGE_UPDATED,
    message_events.MESSAGE_DELETED,
    chat_events.CHAT_NEW,
    chat_events.CHAT_UPDATED,
    chat_events.CHAT_MEMBERS,
    chat_events.CHAT_REMOVED,
    chat_events.CHAT_SETTINGS,
    chat_events.CHAT_INVITED,
    chat_events.CHAT_INVITE_REMOVED,
    presence_events.TYPING_UPDATE,
    presence_events.USER_STATUS,
    presence_events.USER_UPDATED,
    privacy_events.PRIVACY_UPDATED,
    privacy_events.BLOCK_UPDATED,
    *call_events.EVENTS,
    *e2ee_events.EVENTS,
)


class AuthFrame(BaseModel):
    """The first frame a client sends."""

    model_config = ConfigDict(extra="forbid")
    type: Literal["auth"]
    token: str = Field(max_length=4096)
    # The last durable `seq` the client processed; omit on a fresh start.
    since: int | None = Field(None, ge=0)
    # The `epoch` of the `ready` that `since` belongs to: a `since` of another epoch numbers
    # another history (a restored backup's) and gets `resync_required`.
    epoch: str | None = Field(None, max_length=64)


class CommandFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(max_length=64)
    ref: str = Field(max_length=64)
    data: dict[str, Any] = Field(default_factory=dict)


class ClientConfig(Model):
    """The server's settings a client needs, so it never copies them as constants."""

    typing_ttl_seconds: float
    call_grace_seconds: float
    history_page_size: int
    edit_window_seconds: int
    max_message_length: int
    max_attachments: int
    max_pinned_chats: int


class ReadyData(Model):
    user: UserMe
    # The newest durable seq when this connection started: resume from here next time.
    seq: int
    # The event log's history that `seq` counts in (realtime/epoch.py): send it back with
    # `since` when resuming.
    epoch: str
    server_time: UtcDatetime
    config: ClientConfig


def client_config(settings: Settings) -> ClientConfig:
    return ClientConfig(
        typing_ttl_seconds=settings.typing_ttl_seconds,
        call_grace_seconds=settings.call_grace_seconds,
        history_page_size=HISTORY_PAGE_SIZE,
        edit_window_seconds=settings.edit_window_seconds,
        max_message_length=MAX_MESSAGE_LENGTH,
        max_attachments=MAX_ATTACHMENTS,
        max_pinned_chats=MAX_PINNED,
    )


class ReadyFrame(Model):
    type: Literal["ready"] = "ready"
    data: ReadyData


class ResyncData(Model):
    seq: int


class ResyncRequiredFrame(Model):
    """Sent right after `ready`, instead of a replay, when the gap is too old or too large
    or `since` belongs to another epoch: refetch the state over REST and continue from
    `data.seq`."""

    type: Literal["resync_required"] = "resync_required"
    data: ResyncData


class ErrorBody(Model):
    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class ErrorFrame(Model):
    type: Literal["error"] = "error"
    ref: str | None
    error: ErrorBody


def _frame_model(name: str, **fields: Any) -> type[BaseModel]:
    model: type[BaseModel] = create_model(name, __base__=Model, **fields)
    return model


def json_schema() -> dict[str, Any]:
    """Every frame of the protocol, for generating the web client's types."""
    definitions: dict[str, tuple[type[BaseModel], JsonSchemaMode]] = {}

    def add(name: str, model: type[BaseModel], mode: JsonSchemaMode = "serialization") -> None:
        # What the client sends is described as the server validates it (defaults optional),
        # what it receives as the server serializes it (every field present).
        definitions[name] = (model, mode)

    add("AuthFrame", AuthFrame, "validation")
    add("ReadyFrame", ReadyFrame)
    add("ResyncRequiredFrame", ResyncRequiredFrame)
    add("ErrorFrame", ErrorFrame)
    for command in COMMANDS.values():
        suffix = command.name.replace(":", "_")
        literal: Any = Literal[command.name]  # a Literal built at run time
        add(
            f"Command_{suffix}",
            _frame_model(
                f"Command_{suffix}", type=(literal, ...), ref=(str, ...), data=(command.model, ...)
            ),
            "validation",
        )
        ack: Any = Literal["ack"]
        add(
            f"Ack_{suffix}",
            _frame_model(
                f"Ack_{suffix}", type=(ack, "ack"), ref=(str, ...), data=(command.reply, ...)
            ),
        )
    for kind in EVENTS:
        suffix = kind.name.replace(":", "_")
        kind_literal: Any = Literal[kind.name]  # a Literal built at run time
        fields: dict[str, Any] = {"type": (kind_literal, ...), "data": (kind.model, ...)}
        if kind.durable:
            fields["seq"] = (int, ...)
        add(f"Event_{suffix}", _frame_model(f"Event_{suffix}", **fields))

    _, schema = models_json_schema(
        list(definitions.values()),
        ref_template="#/$defs/{model}",
    )
    schema["title"] = "Shomik WebSocket protocol"
    schema["x-commands"] = {c.name: c.doc for c in COMMANDS.values()}
    schema["x-events"] = {k.name: {"durable": k.durable, "doc": k.doc} for k in EVENTS}
    return schema
