"""One person's messages keep their order across web processes (PostgreSQL), in process.

Two runtimes on one database stand for two web processes: the second to get its message
first handles the earlier one too, and a person's messages never run side by side.
(tests/test_multiprocess.py shows the same with real processes.)
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.messages import Incoming
from bot.runtime import Runtime
from storage.schema import outbox
from tests.databases import BACKEND, postgres_database, skip_without_postgres
from tests.process_support import coordinators, line_user

TEXT = "วันนี้จัดเวทีรับฟังปัญหาที่หมู่ 3 มีผู้เข้าร่วม 30 คน"


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database."""
    skip_without_postgres()
    with postgres_database() as url:
        yield url


@pytest.fixture
async def two(pg_url: str) -> AsyncIterator[tuple[Runtime, Runtime]]:
    """Two runtimes (two web processes' worth) on one database, one LINE coordinator."""
    settings = load_settings(DATABASE_URL=pg_url)
    first = await Runtime.create(settings, role="web")
    second = await Runtime.create(settings, role="web", migrate=False)
    try:
        await coordinators(first.store, 1)
        yield first, second
    finally:
        await second.close()
        await first.close()


def message(n: int, text: str) -> Incoming:
    """A LINE text from the coordinator, event id e<n>."""
    return Incoming("line", line_user(0), text=text, event_id=f"e{n}")


async def reply_ids(runtime: Runtime) -> list[str]:
    """The events whose replies were queued, in the order they were queued."""
    async with runtime.store.tx() as tx:
        keys = await tx.conn.execute(select(outbox.c.dedupe_key).order_by(outbox.c.id))
    return [k.removeprefix("reply:line:") for (k,) in keys if k.startswith("reply:line:")]


async def test_the_later_message_handles_the_earlier_one_first(
    two: tuple[Runtime, Runtime],
) -> None:
    first, second = two
    one, two_ = message(1, "/report"), message(2, TEXT)
    first_id = await first.inbound.accept(one)  # stored by process 1, not processed yet
    second_id = await second.inbound.accept(two_)  # then the next one at process 2
    assert first_id is not None and second_id is not None and first_id < second_id
    await second.inbound.process(two_, second_id)  # process 2 gets there first
    assert await reply_ids(first) == ["e1", "e2"]  # arrival order
    assert await first.inbound.process(one, first_id) == []  # already handled, not twice
    assert await reply_ids(first) == ["e1", "e2"]


async def test_a_persons_message_waits_while_another_process_holds_their_turn(
    two: tuple[Runtime, Runtime],
) -> None:
    first, second = two
    later = message(3, TEXT)
    inbox_id = await second.inbound.accept(later)
    async with first.store.tx() as tx:
        await tx.person_turn("line", line_user(0), None)  # process 1 is handling them
        task = asyncio.create_task(second.inbound.process(later, inbox_id))
        done, _ = await asyncio.wait({task}, timeout=0.5)
        assert not done, "ran while another transaction held the person's turn"
    assert len(await asyncio.wait_for(task, 30)) == 1  # their turn came: handled, answered


async def test_sqlite_has_no_cross_process_turn(runtime: Runtime) -> None:
    if BACKEND != "sqlite":
        pytest.skip("about SQLite")
    async with runtime.store.tx() as tx:
        assert await tx.person_turn("line", "U1", 5) == []
