"""Exactly one active scheduler: a lease a standby worker takes over when the holder dies."""

from __future__ import annotations

import asyncio
import socket
import sys
from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import MovableClock
from bot.runtime import Runtime
from bot.scheduler import LEASE, RENEW, TTL, Scheduler
from storage.schema import leases

T0 = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture
def clock(runtime: Runtime) -> MovableClock:
    moving = MovableClock(T0)
    runtime.store.clock = moving
    return moving


async def holder(runtime: Runtime) -> str | None:
    async with runtime.store.tx() as tx:
        got = await tx.lease_holder(LEASE)
    return None if got is None else got[0]


async def test_one_worker_holds_the_lease_and_the_other_stands_by(
    runtime: Runtime, clock: MovableClock
) -> None:
    first, second = Scheduler(runtime), Scheduler(runtime)
    assert await first.tick() is True and first.active
    assert await second.tick() is False and not second.active
    for _ in range(20):  # the holder renews every RENEW; the standby never gets in
        clock.advance(RENEW)
        assert await first.tick() is True
        assert await second.tick() is False
    assert await holder(runtime) == first.holder


@pytest.mark.parametrize("phase", [0.0, 1.0, 7.5, 14.9])
async def test_a_standby_takes_over_within_60_seconds_of_the_holder_dying(
    runtime: Runtime, clock: MovableClock, phase: float
) -> None:
    first, second = Scheduler(runtime), Scheduler(runtime)
    assert await first.tick() is True  # its last renewal: then the process dies
    died = clock()
    clock.advance(timedelta(seconds=phase))  # the standby polls every RENEW from some phase
    while not await second.tick():
        clock.advance(RENEW)
        assert clock() - died <= timedelta(seconds=60), "no takeover within 60 s"
    waited = clock() - died
    assert TTL < waited <= timedelta(seconds=60)
    assert second.active and await holder(runtime) == second.holder
    # The old holder, if it was only paused, finds the lease gone and stands down.
    assert await first.tick() is False and not first.active


async def test_a_clean_stop_hands_the_lease_on_at_once(
    runtime: Runtime, clock: MovableClock
) -> None:
    first, second = Scheduler(runtime), Scheduler(runtime)
    first.start()
    try:
        assert await first.tick() is True
    finally:
        await first.stop()
    assert await holder(runtime) is None
    assert await second.tick() is True  # no wait for the TTL


async def test_only_the_holder_fires_jobs(runtime: Runtime, clock: MovableClock) -> None:
    first, second = Scheduler(runtime), Scheduler(runtime)
    first.aps.start(paused=True)
    second.aps.start(paused=True)
    try:
        await first.tick()
        await second.tick()
        assert first.aps.state == 1 and second.aps.state == 2  # running / paused
        clock.advance(TTL + RENEW)  # the holder stopped renewing
        assert await second.tick() is True and second.aps.state == 1
        assert await first.tick() is False and first.aps.state == 2
    finally:  # as a worker stops: the catch-up job each fired on taking the lease finishes
        await first.stop()
        await second.stop()


async def test_a_restarted_worker_takes_over_at_once_from_its_killed_predecessor(
    runtime: Runtime, clock: MovableClock
) -> None:
    # A worker killed on this host never renews; its pid is gone, so the new one need not
    # wait out the lease. A live process's lease (or another host's) is left to run out.
    gone = await asyncio.create_subprocess_exec(sys.executable, "-c", "pass")
    await gone.wait()
    host = socket.gethostname()
    for other, taken in ((f"{host}:{gone.pid}:dead0001", True),
                         (f"{host}:1:init0001", False),  # pid 1 lives (init)
                         (f"elsewhere:{gone.pid}:far00001", False)):  # fmt: skip
        async with runtime.store.tx() as tx:
            await tx.conn.execute(leases.delete())
            assert await tx.lease_take(LEASE, other, TTL)
        restarted = Scheduler(runtime)
        assert await restarted.tick() is taken, other
        assert await holder(runtime) == (restarted.holder if taken else other)
