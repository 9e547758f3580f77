"""Several `prasan web` and `prasan worker` processes on one PostgreSQL database share the work.

Real processes (python -m bot …) against the fake LINE platform in this process:
- a redelivery storm spread over two web processes → each event processed and answered once;
- two messages from one person at two web processes → handled in arrival order;
- a 2,000-recipient proactive send with two workers → each person gets it once;
- SIGKILL of the worker running the scheduler → the other takes over within 60 s, nothing is
  delivered twice and no job period runs twice.
Each test is bounded (< 90 s) and skipped without PRASAN_TEST_POSTGRES_URL.
"""

from __future__ import annotations

import asyncio
import functools
import random
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot.messages import Outgoing
from bot.notify import notify
from storage.schema import inbox, job_runs, outbox
from storage.store import Store
from tests import fake_line as fl
from tests.databases import postgres_database, skip_without_postgres
from tests.fake_line import FakeLine
from tests.process_support import (
    Child,
    child_env,
    coordinators,
    open_store,
    post_line,
    spawn,
    started,
    stop_all,
    until,
)

pytestmark = pytest.mark.slow
LIMIT = 90.0  # seconds a test may take, processes and all


def bounded(
    test: Callable[..., Awaitable[None]], limit: float = LIMIT
) -> Callable[..., Awaitable[None]]:
    """Fail the test (and stop its processes) after `limit` seconds."""

    @functools.wraps(test)
    async def run(*args: Any, **kwargs: Any) -> None:
        async with asyncio.timeout(limit):
            await test(*args, **kwargs)

    return run


FILLERS = 20  # other people's messages ahead of the first one
TEXT = "วันนี้จัดเวทีรับฟังปัญหาที่หมู่ 3 มีผู้เข้าร่วม 30 คน"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database the child processes share."""
    skip_without_postgres()
    with postgres_database() as url:
        yield url


@pytest.fixture
def fake(fake_line: FakeLine) -> FakeLine:
    """The fake LINE platform, in this process. (conftest's `fake_line`)"""
    return fake_line


@pytest.fixture
async def store(pg_url: str) -> AsyncIterator[Store]:
    """This test's own connection to the shared database (migrates it first)."""
    opened = await open_store(pg_url)
    try:
        yield opened
    finally:
        await opened.close()


async def cluster(pg_url: str, fake: FakeLine, tmp: Path, web: int, workers: int) -> list[Child]:
    """Start the processes side by side and wait until each one serves."""
    env = child_env(pg_url, fake)
    children = [await spawn("web", env, tmp, f"web{i + 1}") for i in range(web)]
    children += [await spawn("worker", env, tmp, f"worker{i + 1}") for i in range(workers)]
    try:
        await started(children)
    except BaseException:
        await stop_all(children)
        raise
    return children


async def inbox_done(store: Store) -> tuple[int, int]:
    """(events in the inbox, of which processed)."""
    async with store.tx() as tx:
        row = (
            await tx.conn.execute(
                select(func.count(), func.count(inbox.c.processed_at)).select_from(inbox)
            )
        ).one()
    return int(row[0]), int(row[1])


async def reply_rows(store: Store, event_ids: list[str]) -> dict[str, list[int]]:
    """Outbox ids of the reply queued for each event (one each, or the event ran twice)."""
    keys = {f"reply:line:{e}": e for e in event_ids}
    async with store.tx() as tx:
        rows = await tx.conn.execute(
            select(outbox.c.dedupe_key, outbox.c.id).where(outbox.c.dedupe_key.in_(list(keys)))
        )
        found: dict[str, list[int]] = {e: [] for e in event_ids}
        for key, row_id in rows.all():
            found[keys[key]].append(int(row_id))
    return found


@bounded
async def test_a_redelivery_storm_over_two_web_processes_is_processed_once(
    pg_url: str, fake: FakeLine, store: Store, tmp_path: Path
) -> None:
    people = await coordinators(store, 60)
    children = await cluster(pg_url, fake, tmp_path, web=2, workers=2)
    try:
        events = [fl.text_event(user, f"{TEXT} ({n})", fake.reply_token(user))
                  for user in people for n in range(3)]  # fmt: skip
        # Each event arrives three times (LINE redelivers when it saw no 200 in time),
        # shuffled over both web processes, up to 16 requests in flight.
        posts = [(e, False) for e in events] + [(e, True) for e in events for _ in range(2)]
        rng = random.Random(14)
        rng.shuffle(posts)
        webs = [c for c in children if c.name.startswith("web")]
        gate = asyncio.Semaphore(16)

        async def deliver(
            http: aiohttp.ClientSession, event: dict[str, object], again: bool
        ) -> int:
            body = {**event, "deliveryContext": {"isRedelivery": again}}
            async with gate:
                return await post_line(http, rng.choice(webs).url, body)

        async with aiohttp.ClientSession() as http:
            statuses = await asyncio.gather(*(deliver(http, e, r) for e, r in posts))
        assert set(statuses) == {200}

        async def all_answered() -> bool:
            return await inbox_done(store) == (len(events), len(events)) and sum(
                fake.deliveries.values()
            ) >= len(events)

        await until(all_answered, "every event processed and answered", within=45)
        await asyncio.sleep(1.0)  # a duplicate would show up now
        replies = await reply_rows(store, [str(e["webhookEventId"]) for e in events])
        assert all(len(ids) == 1 for ids in replies.values()), "an event was processed twice"
        assert sum(fake.deliveries.values()) == len(events)
        assert all(fake.deliveries[user] == 3 for user in people)
        assert len([c for c in fake.calls_to("/reply") if c.status == 200]) == len(events)
        assert not [c for c in fake.calls if c.status >= 400]
    finally:
        await stop_all(children)
    assert all(c.proc.returncode == 0 for c in children), [c.tail() for c in children]


@bounded
async def test_one_persons_messages_at_two_web_processes_run_in_arrival_order(
    pg_url: str, fake: FakeLine, store: Store, tmp_path: Path
) -> None:
    people = list(await coordinators(store, 10 * (FILLERS + 1)))
    persons, fillers = people[:10], people[10:]
    children = await cluster(pg_url, fake, tmp_path, web=2, workers=0)
    first_web, second_web = children
    pairs = {user: (fl.text_event(user, "/report", fake.reply_token(user)),
                    fl.text_event(user, TEXT, fake.reply_token(user))) for user in persons}  # fmt: skip
    try:
        async with aiohttp.ClientSession() as http:

            async def person(n: int, user: str) -> None:
                one, two = pairs[user]
                # The first message comes last in a request with other people's messages,
                # so the first process is still busy with those when the second message
                # reaches the other process (sent once the first was accepted: stored, 200).
                others = [fl.text_event(f, TEXT, fake.reply_token(f))
                          for f in fillers[n * FILLERS : (n + 1) * FILLERS]]  # fmt: skip
                assert await post_line(http, first_web.url, *others, one) == 200
                assert await post_line(http, second_web.url, two) == 200

            await asyncio.gather(*(person(n, u) for n, u in enumerate(persons)))

        async def processed() -> bool:
            return await inbox_done(store) == (len(people) + len(persons),) * 2

        await until(processed, "every message processed", within=45)
        inverted = []
        for user, (one, two) in pairs.items():
            first_id, second_id = str(one["webhookEventId"]), str(two["webhookEventId"])
            got = await reply_rows(store, [first_id, second_id])
            assert len(got[first_id]) == len(got[second_id]) == 1
            if got[first_id][0] > got[second_id][0]:
                inverted.append(user)
        assert not inverted, f"the second message ran first for {len(inverted)} of 10 people"
    finally:
        await stop_all(children)


async def queue_notices(store: Store, people: dict[str, int], distinct: bool) -> None:
    """One notice per person through notify(); distinct texts go one push each."""
    async with store.tx() as tx:
        for pid in people.values():
            text = f"ประชุมประจำเดือน {pid}" if distinct else "ประชุมประจำเดือน"
            await notify(tx, pid, lambda t, s=text: [Outgoing(s)], f"mp-notice:{pid}")


@bounded
async def test_two_workers_deliver_a_2000_recipient_send_exactly_once(
    pg_url: str, fake: FakeLine, store: Store, tmp_path: Path
) -> None:
    people = await coordinators(store, 2000)
    # Queued while the processes start: whichever worker is up first begins, both drain.
    children, _ = await asyncio.gather(
        cluster(pg_url, fake, tmp_path, web=2, workers=2),
        queue_notices(store, people, distinct=False),
    )
    try:

        async def delivered() -> bool:
            return sum(fake.deliveries.values()) >= len(people)

        await until(delivered, "2,000 notices delivered", within=60)
        await asyncio.sleep(2.0)  # a second sender would deliver again now
        assert sum(fake.deliveries.values()) == len(people)
        assert all(fake.deliveries[user] == 1 for user in people)
        async with store.tx() as tx:
            query = select(outbox.c.status, func.count()).group_by(outbox.c.status)
            statuses = dict((await tx.conn.execute(query)).all())
        assert statuses == {"sent": len(people)}
    finally:
        await stop_all(children)


class HeldLine(FakeLine):
    """LINE holding every push until the test lets them through (a send caught mid-way)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.waiting = 0

    async def _push(self, request: web.Request) -> web.Response:
        await request.read()  # the whole request first: LINE has it even if the sender dies
        self.waiting += 1
        await self.gate.wait()
        return await super()._push(request)


async def holder_pid(store: Store) -> int | None:
    """The pid in the scheduler lease's holder (host:pid:nonce), if the lease is live."""
    async with store.tx() as tx:
        got = await tx.lease_holder("scheduler")
        now = tx.now()
    if got is None or got[1] < now:
        return None
    return int(got[0].split(":")[1])


# Longer: the killed worker's claimed rows wait out the sender's 60 s lease before the other
# worker sends them (storage/queries_messaging.py SEND_LEASE), and the scheduler lease's TTL
# runs at the same time; ~80 s on this loaded 2-core machine.
@functools.partial(bounded, limit=120.0)
async def test_sigkill_of_the_scheduling_worker_hands_over_without_duplicates(
    pg_url: str, store: Store, tmp_path: Path
) -> None:
    fake = await HeldLine().start()
    people = await coordinators(store, 600)
    env = child_env(pg_url, fake)
    first = await spawn("worker", env, tmp_path, "worker1")
    children = [first]
    try:
        await started(children)
        await first.wait_for("scheduler active")
        assert await holder_pid(store) == first.proc.pid
        # The scheduling worker claims every notice (the only sender yet) and starts sending.
        await queue_notices(store, people, distinct=True)
        await until(lambda: _waiting(fake, 10), "the send under way", within=30, every=0.05)
        second = await spawn("worker", env, tmp_path, "worker2")
        children.append(second)
        await started(children)
        first.proc.send_signal(signal.SIGKILL)  # mid-send, holding the scheduler lease
        killed = time.monotonic()
        await first.proc.wait()
        async with store.tx() as tx:  # it died with rows claimed and not all sent
            left = await tx.conn.scalar(select(func.count()).select_from(outbox).where(
                outbox.c.leased_by == first.name, outbox.c.status == "sending"))  # fmt: skip
        assert left, "the killed worker had nothing in flight: not the case under test"
        fake.gate.set()  # LINE now accepts what the dead worker had sent: delivered, unmarked

        async def second_holds() -> bool:
            return await holder_pid(store) == second.proc.pid

        took = await until(second_holds, "the other worker takes the scheduler", within=60)
        assert time.monotonic() - killed <= 60
        await second.wait_for("scheduler active", within=5)
        # The killed worker's claimed rows go out once their lease runs out (60 s after the
        # claim); a row it sent but had not marked is sent again with the same retry key,
        # which LINE answers 409: still delivered once.
        await until(
            lambda: _at_least(fake, len(people)), "every notice delivered", within=75, every=0.5
        )
        await asyncio.sleep(1.0)
        assert all(fake.deliveries[user] == 1 for user in people), "a notice arrived twice"
        assert sum(fake.deliveries.values()) == len(people)
        async with store.tx() as tx:
            runs = (await tx.conn.execute(select(job_runs.c.job, job_runs.c.period,
                                                  job_runs.c.status))).all()  # fmt: skip
        assert runs, "no job ran"
        assert len({(j, p) for j, p, _ in runs}) == len(runs)
        assert not [r for r in runs if r.status == "failed"]
        # What the dead worker had sent went again under the same retry key: LINE said 409.
        assert [c for c in fake.calls if c.status == 409], "no send was caught in flight"
        print(f"takeover {took:.1f} s after the kill")
    finally:
        fake.gate.set()
        await stop_all(children)
        await fake.close()


async def _waiting(fake: HeldLine, count: int) -> bool:
    return fake.waiting >= count


async def _at_least(fake: FakeLine, count: int) -> bool:
    return sum(fake.deliveries.values()) >= count
