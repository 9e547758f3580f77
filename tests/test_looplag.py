"""Event-loop lag: the ticker sees a stalled loop, keeps a one-minute max, logs a stall."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest
from prometheus_client import CollectorRegistry, generate_latest

from bot.looplag import STALL, WINDOW, LoopLag


def test_the_max_gauge_forgets_lags_older_than_a_minute() -> None:
    lag = LoopLag(CollectorRegistry())
    lag.record(0.120, now=1000.0)
    lag.record(0.002, now=1000.5)
    assert lag.max._value.get() == pytest.approx(0.120)
    lag.record(0.003, now=1000.0 + WINDOW - 1)
    assert lag.max._value.get() == pytest.approx(0.120)  # still inside the window
    lag.record(0.004, now=1000.0 + WINDOW)
    assert lag.max._value.get() == pytest.approx(0.004)


def test_a_stall_is_logged_once_per_interval(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="bot.looplag")
    lag = LoopLag(CollectorRegistry())
    lag.record(STALL + 0.1, now=100.0)
    lag.record(STALL + 0.2, now=101.0)  # within STALL_LOG_EVERY: not logged again
    lag.record(0.001, now=102.0)
    stalls = [r for r in caplog.records if "stalled" in r.getMessage()]
    assert [r.getMessage() for r in stalls] == ["event loop stalled for 350 ms"]


async def test_the_ticker_measures_a_loop_blocked_by_synchronous_work() -> None:
    registry = CollectorRegistry()
    lag = LoopLag(registry)
    stop = asyncio.Event()
    task = asyncio.create_task(lag.run(stop))
    await asyncio.sleep(0.05)
    time.sleep(0.08)  # noqa: ASYNC251 - a blocking call on the loop, on purpose
    await asyncio.sleep(0.05)
    stop.set()
    await asyncio.wait_for(task, 5)
    assert lag.max._value.get() >= 0.06
    text = generate_latest(registry).decode()
    assert "prasan_event_loop_lag_seconds_bucket" in text
    assert "prasan_event_loop_lag_max_seconds" in text
