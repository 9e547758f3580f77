"""Poison input on Telegram: a lone surrogate is stored replaced and answered, in webhook and
polling mode, and the poller moves past an update it cannot handle (recording it) instead of
asking for it again forever.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from telegram import Update

from bot.channels.telegram_poll import Poller
from bot.messages import Incoming
from storage.schema import inbox
from tests.fake_telegram import FakeTelegram, Person
from tests.telegram_support import Harness

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.telegram_support import fake as fake
from tests.telegram_support import mode as mode
from tests.telegram_support import settings as settings
from tests.telegram_support import tg as tg

POISON = "สวัสดี \ud800 ค่ะ"


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_lone_surrogate_is_stored_replaced_and_the_next_person_is_answered(
    tg: Harness,
) -> None:
    first, second = Person(7770001), Person(7770002)
    await tg.deliver(tg.fake.message(first, POISON))
    await tg.deliver(tg.fake.message(second, "สวัสดีค่ะ"))
    await tg.runtime.sender.flush()
    assert tg.fake.chats[first.id], "the poison message got no answer"
    assert tg.fake.chats[second.id], "the next person got no answer"
    async with tg.runtime.store.tx() as tx:
        payloads = [p for (p,) in await tx.conn.execute(select(inbox.c.payload))]
    texts = [Incoming.from_json(p).text for p in payloads]
    assert "สวัสดี \ufffd ค่ะ" in texts


async def test_the_poller_skips_an_update_it_cannot_handle_and_records_it(
    fake: FakeTelegram,
) -> None:
    from bot.channels.telegram_transport import make_bot

    bot = make_bot(fake.token, fake.api_url, fake.file_url)
    await bot.initialize()
    handled: list[int] = []
    recorded: list[tuple[int, str]] = []
    stopping = asyncio.Event()
    bad = fake.push(fake.message(Person(1), "boom"))
    good = fake.push(fake.message(Person(2), "fine"))

    async def take(update: Update) -> None:
        if update.update_id == bad:
            raise RuntimeError("cannot handle this one")
        handled.append(update.update_id)

    async def skip(update: Update, exc: Exception) -> None:
        recorded.append((update.update_id, type(exc).__name__))

    poller = Poller(bot, take, stopping, timeout=1, skip=skip, retry_pause=0.0)
    task = asyncio.create_task(poller.run())
    try:
        await fake.wait_confirmed(good, within=10)
    finally:
        stopping.set()
        await task
        await bot.shutdown()
    assert handled == [good]
    assert recorded == [(bad, "RuntimeError")]


async def test_the_poller_retries_when_even_recording_fails(fake: FakeTelegram) -> None:
    # Storage down: recording fails too, so nothing is skipped; the update is asked for again.
    from bot.channels.telegram_transport import make_bot

    bot = make_bot(fake.token, fake.api_url, fake.file_url)
    await bot.initialize()
    attempts: list[int] = []
    stopping = asyncio.Event()
    only = fake.push(fake.message(Person(1), "hello"))

    async def take(update: Update) -> None:
        attempts.append(update.update_id)
        if len(attempts) < 4:
            raise OSError("database is down")

    async def skip(update: Update, exc: Exception) -> None:
        raise OSError("database is down")

    poller = Poller(bot, take, stopping, timeout=1, skip=skip, retry_pause=0.0)
    task = asyncio.create_task(poller.run())
    try:
        await fake.wait_confirmed(only, within=10)
    finally:
        stopping.set()
        await task
        await bot.shutdown()
    assert attempts == [only] * 4  # handled in the end, never skipped
