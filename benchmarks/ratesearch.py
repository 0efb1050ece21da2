"""The rate search of `benchmarks.loadgen --mode load`: the highest aggregate send rate at
which a step still passes (p99 within the limit, every message delivered).

Doubling from the start rate until a rate fails, then bisecting (geometrically) between the
last passing and the first failing rate, then one overload step past the estimated
CPU-bound capacity. A rate **fails only when it fails `confirm + 1` times in a row**: on a
shared two-core machine one pause of a few hundred milliseconds (another process holding
the core, one of PostgreSQL's checkpoints) fails a 10 s step's p99 on its own, and the
search never goes back above a failed rate, so without the repeat a single pause decided
the figure (docs/benchmarks.md). Every try is returned, failed ones included.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

Step = Callable[[float], Awaitable[dict[str, Any]]]


@dataclass(frozen=True)
class SearchPlan:
    start_rate: float
    max_rate: float
    max_steps: int
    refine: int  # bisection steps after the first failure
    confirm: int  # repeats of a failed step before its rate counts as failed
    saturate: bool


async def search(
    plan: SearchPlan, step: Step, disconnected: Callable[[], int]
) -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = []

    async def passes(rate: float) -> bool:
        for attempt in range(plan.confirm + 1):
            result = await step(rate)
            result["attempt"] = attempt + 1
            steps.append(result)
            if result["ok"]:
                return True
            if disconnected():  # a repeat would measure fewer clients
                return False
        return False

    rate = plan.start_rate
    good: float | None = None
    bad: float | None = None
    for _ in range(plan.max_steps):
        if await passes(rate):
            good = rate
            if rate >= plan.max_rate:
                break
            rate = min(rate * 2, plan.max_rate)
        else:
            bad = rate
            break
    if good is None or bad is None:
        return steps
    for _ in range(plan.refine):
        if disconnected():
            break
        rate = math.sqrt(good * bad)
        if await passes(rate):
            good = rate
        else:
            bad = rate
    if plan.saturate and not disconnected():
        # One step past the server's CPU-bound capacity (estimated from the fastest passing
        # step's CPU per message): the most it delivers, whatever the latency.
        fastest = max((s for s in steps if s["ok"]), key=lambda s: s["rate"])
        per_message = fastest["serverCpuSeconds"] / max(1, fastest["sent"])
        rate = min(plan.max_rate, max(1.25 / per_message, 1.25 * bad))
        result = await step(rate)
        result["saturation"] = True
        steps.append(result)
    return steps
