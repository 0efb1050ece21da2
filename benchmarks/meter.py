"""What the load generator measures: /proc readings of the server, and the per-frame
counters and latencies."""

from __future__ import annotations

import asyncio
import contextlib
import math
import os
from array import array
from dataclasses import dataclass, fields
from pathlib import Path

from benchmarks.wsclient import RawWsClient

MESSAGE_NEW = b'{"type":"message:new"'
ACK = b'{"type":"ack"'
ERROR = b'{"type":"error"'
READY = b'{"type":"ready"'
CONTENT = b'"content":"t'


# -- /proc readings of the server ---------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat_fields(pid: int) -> list[str]:
    """/proc/PID/stat after the command name (which may hold spaces): field 3 onwards."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2 :].split()


def proc_cpu_seconds(*pids: int) -> float:
    """utime + stime of every thread of the processes, summed (several server processes
    and their Redis count as one server)."""
    ticks = 0
    for pid in pids:
        fields_ = _stat_fields(pid)
        ticks += int(fields_[11]) + int(fields_[12])
    return ticks / CLK_TCK


def _task_schedstat(pid: int) -> list[int]:
    """schedstat of every thread of the process, summed: time on a CPU (ns), time runnable
    but waiting for one (ns), timeslices run."""
    total = [0, 0, 0]
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            values = (task / "schedstat").read_text().split()
            total = [t + int(v) for t, v in zip(total, values[:3], strict=True)]
    return total


def proc_runtime_seconds(*pids: int) -> float:
    """Time on a CPU of every thread of the processes, from the scheduler's own clock
    (schedstat): exact, where utime + stime are counted in 10 ms ticks."""
    return sum(_task_schedstat(pid)[0] for pid in pids) / 1e9


def proc_wait_seconds(*pids: int) -> float:
    """Time the processes' threads spent runnable but waiting for a CPU (schedstat): how
    much other processes on the same core held them back."""
    return sum(_task_schedstat(pid)[1] for pid in pids) / 1e9


@dataclass
class Counters:
    """What the kernel counts for the server processes, summed over them; `since` gives
    the change over a window (NaN throughout without processes). Where the CPU goes besides
    the work itself: every wake-up of an event loop is a context switch, and a process
    switched out while still runnable (`preempted`: another process on its core took it)
    finds its caches cold."""

    cpu: float = 0.0  # utime + stime, s (10 ms ticks)
    runtime: float = 0.0  # time on a CPU from the scheduler's own clock (schedstat), s
    wait: float = 0.0  # runnable but waiting for a CPU (schedstat), s
    kernel: float = 0.0  # stime, s
    wakeups: float = 0  # timeslices run (schedstat), every thread
    preempted: float = 0  # nonvoluntary_ctxt_switches, main threads
    syscalls: float = 0  # syscr + syscw (/proc/<pid>/io): socket reads and writes count

    @classmethod
    def read(cls, *pids: int) -> Counters:
        if not pids:
            return cls(*(math.nan for _ in fields(cls)))
        reading = cls()
        for pid in pids:
            stat = _stat_fields(pid)
            reading.cpu += (int(stat[11]) + int(stat[12])) / CLK_TCK
            reading.kernel += int(stat[12]) / CLK_TCK
            on_cpu, waiting, slices = _task_schedstat(pid)
            reading.runtime += on_cpu / 1e9
            reading.wait += waiting / 1e9
            reading.wakeups += slices
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("nonvoluntary_ctxt_switches:"):
                    reading.preempted += int(line.split()[1])
            with contextlib.suppress(OSError):  # another user's process: not readable
                lines = Path(f"/proc/{pid}/io").read_text().splitlines()
                io = dict(line.split(": ") for line in lines)
                reading.syscalls += int(io["syscr"]) + int(io["syscw"])
        return reading

    def since(self, before: Counters) -> Counters:
        return Counters(
            *(getattr(self, f.name) - getattr(before, f.name) for f in fields(Counters))
        )


def proc_rss_kib(*pids: int) -> int:
    total = 0
    for pid in pids:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
        rss = [line for line in lines if line.startswith("VmRSS:")]
        if not rss:
            raise RuntimeError(f"no VmRSS for {pid}")
        total += int(rss[0].split()[1])
    return total


def percentile(sorted_values: array[int] | list[int], q: float) -> float:
    if not sorted_values:
        return math.nan
    index = min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))
    return float(sorted_values[index])


def ms(ns: float) -> float:
    return round(ns / 1e6, 3)


# -- the measuring state ------------------------------------------------------------------


class Meter:
    """Everything the frame callback counts. One instance per process, reset per step."""

    def __init__(self) -> None:
        self.deliveries = 0  # every message:new with our timestamp, whenever received
        self.acks = 0
        self.errors = 0
        self.error_samples: list[str] = []
        self.other = 0
        self.window_from = math.inf  # only messages sent at or after this are attributed
        self.window_deliveries = 0
        self.window_acks = 0
        self.latencies: array[int] = array("q")
        self.ack_latencies: array[int] = array("q")
        # pair mode: the receiver's delivery of the message sent at time t
        self.pair_receiver = -1
        self.pair_waiting: dict[int, asyncio.Future[int]] = {}

    def begin_window(self, start_ns: int) -> None:
        self.window_from = start_ns
        self.window_deliveries = 0
        self.window_acks = 0
        self.latencies = array("q")
        self.ack_latencies = array("q")

    def on_text(self, client: RawWsClient, payload: bytes, now: int) -> None:
        if payload.startswith(MESSAGE_NEW):
            i = payload.find(CONTENT)
            if i < 0:
                self.other += 1
                return
            j = i + len(CONTENT)
            try:
                sent = int(payload[j : payload.index(b" ", j)])
            except ValueError:  # not one of ours (a system message)
                self.other += 1
                return
            self.deliveries += 1
            if sent >= self.window_from:
                self.window_deliveries += 1
                self.latencies.append(now - sent)
            if client.index == self.pair_receiver:
                fut = self.pair_waiting.pop(sent, None)
                if fut is not None and not fut.done():
                    fut.set_result(now)
        elif payload.startswith(ACK):
            self.acks += 1
            i = payload.find(CONTENT)
            if i >= 0:
                j = i + len(CONTENT)
                try:
                    sent = int(payload[j : payload.index(b" ", j)])
                except ValueError:
                    return
                if sent >= self.window_from:
                    self.window_acks += 1
                    self.ack_latencies.append(now - sent)
        elif payload.startswith(ERROR):
            self.errors += 1
            if len(self.error_samples) < 5:
                self.error_samples.append(payload[:300].decode(errors="replace"))
        elif payload.startswith(READY):
            client.ready = True
        else:
            self.other += 1
