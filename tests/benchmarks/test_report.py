"""The rounds' report of `benchmarks.run --rounds`: medians per rate, and ratios taken round
by round before their median."""

from __future__ import annotations

from typing import Any

from benchmarks.report import _ratios, rounds_table


def _load(**cpu: float) -> dict[str, Any]:
    return {
        "steps": [
            {"rate": float(rate.removeprefix("r")), "serverCpuUsPerDelivery": value}
            for rate, value in cpu.items()
        ]
    }


def test_rounds_give_medians_and_per_round_ratios() -> None:
    results = {
        "rounds": {
            "shomik-postgres": [_load(r100=30.0), _load(r100=40.0), _load(r100=20.0)],
            "shomik-postgres-x2": [_load(r100=36.0), _load(r100=60.0), _load(r100=26.4)],
        }
    }
    lines = rounds_table(results).splitlines()
    assert "  shomik-postgres 100/s: 30.0 / 40.0 / 20.0; median 30.0" in lines
    assert "  shomik-postgres-x2 100/s: 36.0 / 60.0 / 26.4; median 36.0" in lines
    # 1.20, 1.50, 1.32 round by round: the median is 1.32, not 36 / 30 of the medians.
    assert "  shomik-postgres-x2/shomik-postgres 100/s: 1.20 / 1.50 / 1.32; median 1.32" in lines


def test_the_cluster_of_one_and_of_two_are_divided_by_one_process() -> None:
    pairs = _ratios(["shomik", "shomik-postgres", "shomik-postgres-redis", "shomik-postgres-x2"])
    assert ("shomik-postgres-redis", "shomik-postgres") in pairs
    assert ("shomik-postgres-x2", "shomik-postgres") in pairs
    assert ("shomik-postgres", "shomik") in pairs
