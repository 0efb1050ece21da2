"""GET /metrics: absent without a token, refused without the right one, and counting what a
real server does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.harness import ServerProcess, register

TOKEN = "metrics-token-for-the-tests-0123456789"


@pytest.fixture(scope="module")
def metered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """A server of this module's own: the gauges then count only this module's sockets."""
    proc = ServerProcess(
        Path(tmp_path_factory.mktemp("metrics")), env={"SHOMIK_METRICS_TOKEN": TOKEN}
    )
    proc.start()
    yield proc
    proc.stop()


Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(server: ServerProcess) -> Samples:
    r = httpx.get(f"{server.url}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(r.text)
        for sample in family.samples
    }


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_without_a_token_setting_there_are_no_metrics(server: ServerProcess) -> None:
    for headers in ({}, {"Authorization": f"Bearer {TOKEN}"}, {"Authorization": "Bearer"}):
        r = httpx.get(f"{server.url}/metrics", headers=headers)
        assert r.status_code == 404, r.text
        assert "shomik_" not in r.text


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        "Bearer",
        "Bearer wrong-token-of-the-same-kind-0123456",
        f"Bearer {TOKEN[:-1]}",
        f"Bearer {TOKEN}x",
        f"Basic {TOKEN}",
        TOKEN,
    ],
)
def test_a_missing_or_wrong_token_is_refused(
    metered: ServerProcess, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": authorization}
    r = httpx.get(f"{metered.url}/metrics", headers=headers)
    assert r.status_code == 401, r.text
    assert r.headers["www-authenticate"] == "Bearer"
    assert "shomik_" not in r.text


def test_the_metrics_are_not_in_the_api_schema(metered: ServerProcess) -> None:
    from shomik.app import create_app
    from shomik.settings import Settings

    app = create_app(Settings(secret_key="x" * 32, metrics_token=TOKEN))
    assert "/metrics" not in app.openapi()["paths"]


def test_a_short_token_is_refused_at_start() -> None:
    from pydantic import ValidationError

    from shomik.settings import Settings

    with pytest.raises(ValidationError, match="at least 16"):
        Settings(metrics_token="short")


async def test_sends_move_the_counters(metered: ServerProcess) -> None:
    alice, bob = await register(metered), await register(metered)
    chat = await alice.private_chat(bob)
    a, b = await alice.ws(), await bob.ws()
    before = scrape(metered)
    assert value(before, "shomik_ws_connections") == 2

    await a.command(
        "message:send", {"chatId": chat["id"], "content": "over ws", "clientId": uuid.uuid4().hex}
    )
    await alice.send(chat["id"], "over rest")
    await b.expect("message:new")
    await b.expect("message:new")
    await a.command("typing:start", {"chatId": chat["id"]})
    await b.expect("typing:update")
    after = scrape(metered)

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert moved("shomik_ws_commands_total", type="message:send") == 1
    assert moved("shomik_ws_commands_total", type="typing:start") == 1
    assert moved("shomik_events_total", type="message:new") == 2
    assert moved("shomik_events_total", type="typing:update") >= 1
    assert moved("shomik_message_send_seconds_count", via="ws") == 1
    assert moved("shomik_message_send_seconds_count", via="rest") == 1
    assert moved("shomik_message_send_seconds_sum", via="ws") > 0
    assert value(after, "shomik_message_send_seconds_bucket", via="ws", le="+Inf") >= 1
    # Present, and at rest now: nothing shed or cut off, no query in flight during the scrape.
    assert value(after, "shomik_ws_shed_events_total") == 0
    assert value(after, "shomik_ws_slow_consumer_disconnects_total") == 0
    assert ("shomik_db_pool_in_use", ()) in after
    # No Redis yet: no publish-lag metric pretending to measure one.
    assert not [name for name, _ in after if name.startswith("shomik_redis")]

    await a.close()
    await b.close()
    await a.closed
    await b.closed
    await alice.aclose()
    await bob.aclose()
