"""A request to another process (cluster/rpc.py) fails on the asking process as it failed on
the answering one, through the JSON the answer travels as."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from shomik.cluster import rpc
from shomik.cluster.bus import Handler
from shomik.errors import Forbidden, ShomikError


async def travelled(handler: Handler) -> dict[str, Any]:
    answer = await rpc.answer(handler, "call:start", {"chatId": 1})
    back: dict[str, Any] = orjson.loads(orjson.dumps(answer))
    return back


async def test_the_data_comes_back() -> None:
    async def handler(payload: dict[str, Any]) -> Any:
        return {"callId": "c1", **payload}

    assert rpc.result(await travelled(handler)) == {"callId": "c1", "chatId": 1}


async def test_a_refusal_is_raised_again_with_its_status_code_and_details() -> None:
    async def handler(_payload: dict[str, Any]) -> Any:
        raise Forbidden("Not a member of this chat.", code="not_member", chatId=1)

    with pytest.raises(ShomikError) as raised:
        rpc.result(await travelled(handler))
    assert raised.value.status == Forbidden.status == 403
    assert raised.value.body() == {
        "code": "not_member",
        "message": "Not a member of this chat.",
        "chatId": 1,
    }


async def test_a_crash_is_an_internal_error_that_tells_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async def handler(_payload: dict[str, Any]) -> Any:
        raise RuntimeError("secret detail")

    with pytest.raises(ShomikError) as raised:
        rpc.result(await travelled(handler))
    assert raised.value.status == 500 and raised.value.code == "internal"
    assert "secret" not in raised.value.message
    assert "request call:start failed" in caplog.text
