"""The load generator's /proc readings of the server."""

from __future__ import annotations

import math
import os
import time

from benchmarks.meter import Counters, proc_cpu_seconds, proc_runtime_seconds


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


def test_a_window_of_counters_sees_the_cpu_and_the_wakeups_spent_in_it() -> None:
    pid = os.getpid()
    before = Counters.read(pid)
    _spin(0.3)
    for _ in range(20):
        time.sleep(0.005)  # each sleep ends in a wake-up
    window = Counters.read(pid).since(before)
    assert window.cpu >= 0.25
    assert window.runtime >= 0.3
    assert window.wakeups >= 20
    assert window.syscalls > 0  # reading /proc counts


def test_counters_without_processes_are_unknown() -> None:
    assert all(math.isnan(value) for value in vars(Counters.read()).values())
