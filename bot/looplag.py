"""Event-loop lag: a 10 ms ticker measures how late the loop wakes it, for /metrics and the log.

A loop that waits on I/O another process holds (a database lock) or on long CPU work stops
answering webhooks; this makes that visible. The histogram gives p50/p99 in Prometheus
(`histogram_quantile`); the gauge is the worst lag of the last minute, which a percentile
of a long window would hide.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque

from prometheus_client import CollectorRegistry, Gauge, Histogram

log = logging.getLogger(__name__)

TICK = 0.010  # seconds between wake-ups asked for
WINDOW = 60  # seconds the max gauge looks back
STALL = 0.250  # a lag this long is logged (the goal is max < 250 ms)
STALL_LOG_EVERY = 10.0  # seconds between two stall lines
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0)


class LoopLag:
    """Ticks every TICK seconds on the running loop and records how late each tick came."""

    def __init__(self, registry: CollectorRegistry, tick: float = TICK) -> None:
        self.tick = tick
        self.histogram = Histogram(
            "prasan_event_loop_lag_seconds",
            "How much later than asked a 10 ms timer on the event loop fired",
            buckets=BUCKETS,
            registry=registry,
        )
        self.max = Gauge(
            "prasan_event_loop_lag_max_seconds",
            "Largest event-loop lag in the last minute",
            registry=registry,
        )
        # The worst lag of each second of the window: (second, lag).
        self._seconds: deque[tuple[int, float]] = deque()
        self._logged = 0.0

    def record(self, lag: float, now: float) -> None:
        """Count one tick's lag (seconds) measured at monotonic time `now`."""
        self.histogram.observe(lag)
        second = int(now)
        if self._seconds and self._seconds[-1][0] == second:
            if lag > self._seconds[-1][1]:
                self._seconds[-1] = (second, lag)
        else:
            self._seconds.append((second, lag))
        while self._seconds and self._seconds[0][0] <= second - WINDOW:
            self._seconds.popleft()
        self.max.set(max(lag for _, lag in self._seconds))
        if lag >= STALL and now - self._logged >= STALL_LOG_EVERY:
            self._logged = now
            log.warning("event loop stalled for %.0f ms", lag * 1000)

    async def run(self, stop: asyncio.Event) -> None:
        """Tick until `stop` is set."""
        while not stop.is_set():
            start = time.perf_counter()
            await asyncio.sleep(self.tick)
            end = time.perf_counter()
            self.record(max(0.0, end - start - self.tick), time.monotonic())
