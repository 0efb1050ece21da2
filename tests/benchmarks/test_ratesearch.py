"""The throughput search: a single failed step is repeated before its rate counts as failed,
and the search still ends (benchmarks/ratesearch.py)."""

from __future__ import annotations

from typing import Any

from benchmarks.ratesearch import SearchPlan, search

PLAN = SearchPlan(start_rate=50, max_rate=10_000, max_steps=10, refine=2, confirm=1, saturate=False)


def scripted(limit: float, flukes: set[int]) -> tuple[list[float], Any]:
    """Steps pass at or below `limit`, except the tries whose index is in `flukes`."""
    rates: list[float] = []

    async def step(rate: float) -> dict[str, Any]:
        index = len(rates)
        rates.append(rate)
        return {"rate": rate, "ok": rate <= limit and index not in flukes}

    return rates, step


async def test_one_failed_try_is_repeated_and_the_search_goes_on() -> None:
    rates, step = scripted(limit=300, flukes={2})  # the first try at 200 fails
    steps = await search(PLAN, step, lambda: 0)
    assert rates[:5] == [50, 100, 200, 200, 400]
    assert [s["attempt"] for s in steps[2:4]] == [1, 2]
    # 400 fails twice; bisecting between 200 and 400: 283 passes, 336 fails twice.
    assert [round(r) for r in rates[4:]] == [400, 400, 283, 336, 336]
    assert max(s["rate"] for s in steps if s["ok"]) == 200 * (400 / 200) ** 0.5


async def test_a_rate_that_fails_twice_ends_the_doubling() -> None:
    rates, step = scripted(limit=120, flukes=set())
    await search(PLAN, step, lambda: 0)
    assert rates[:4] == [50, 100, 200, 200]
    # Bisecting between 100 and 200: 141 fails twice, 119 passes at once.
    assert [round(r) for r in rates[4:]] == [141, 141, 119]


async def test_no_repeat_once_clients_were_disconnected() -> None:
    rates, step = scripted(limit=120, flukes=set())
    await search(PLAN, step, lambda: 1 if len(rates) >= 3 else 0)
    assert rates == [50, 100, 200]
