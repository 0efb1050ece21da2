"""The load generator's /proc readings of the server."""

from __future__ import annotations

import os
import time

from benchmarks.meter import proc_cpu_seconds, proc_runtime_seconds


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_the_schedulers_clock_counts_what_the_ticks_count() -> None:
    pid = os.getpid()
    ticks, runtime = proc_cpu_seconds(pid), proc_runtime_seconds(pid)
    _spin(0.5)
    ticks, runtime = proc_cpu_seconds(pid) - ticks, proc_runtime_seconds(pid) - runtime
    assert runtime >= 0.5
    # utime + stime move in 10 ms ticks, and are scaled to the same clock by the kernel.
    assert abs(ticks - runtime) < 0.1
