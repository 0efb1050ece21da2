"""Stand-ins for in-process tests of a Connection."""

from __future__ import annotations


class Metrics:
    """The two counters a Connection touches, counting nothing."""

    def shed(self) -> None:
        pass

    def slow_consumer(self) -> None:
        pass
