"""Shared by the outbox tests: a runtime with LINE and Telegram pointed at the fakes, a movable
clock, people with chat accounts, and rows queued the way notify queues them.

Not a test module; the fixtures are imported by name into each tests/test_outbox_*.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.channels.telegram_transport import Pacer
from bot.clock import MovableClock
from bot.messages import Outgoing, dump_messages
from bot.outbox_policy import Pause
from bot.runtime import Runtime
from storage.queries_proactive import Reachable
from storage.schema import outbox
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram

START = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 in Bangkok


@pytest.fixture
def clock() -> MovableClock:
    """The time every transaction and the sender read."""
    return MovableClock(START)


async def connect(runtime: Runtime, fake_line: FakeLine, fake_tg: FakeTelegram) -> Runtime:
    """Start both channels (sending only) against the fakes, with their real pacing."""
    from bot.channels.line import start_channel as start_line
    from bot.channels.telegram import start_channel as start_telegram

    runtime.settings = runtime.settings.model_copy(update={
        "LINE_CHANNEL_SECRET": SecretStr(SECRET), "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN),
        "LINE_API_URL": fake_line.api_url, "LINE_DATA_API_URL": fake_line.data_url,
        "TELEGRAM_BOT_TOKEN": SecretStr(fake_tg.token), "TELEGRAM_API_URL": fake_tg.api_url,
        "TELEGRAM_FILE_URL": fake_tg.file_url,
    })  # fmt: skip
    for start in (start_line, start_telegram):
        channel = await start(runtime, False)
        runtime.add_channel(channel)
        runtime.services.append(channel)
    return runtime


@pytest.fixture
async def wired(
    runtime: Runtime, fake_line: FakeLine, fake_tg: FakeTelegram, clock: MovableClock
) -> Runtime:
    """The runtime with both channels started (sending only) and the clock injected."""
    runtime.store.clock = clock
    await connect(runtime, fake_line, fake_tg)
    telegram: Any = runtime.channels["telegram"]
    telegram.pacer = Pacer(overall=10_000, per_chat=10_000)  # pacing has its own tests
    for name in ("telegram", "line"):  # a 429's pause runs on the test's clock too
        channel: Any = runtime.channels[name]
        channel.pause = Pause(lambda: clock().timestamp())
    return runtime


@dataclass(frozen=True)
class Member:
    """A registered person with one chat account."""

    person_id: int
    channel: str
    user: str


async def people(runtime: Runtime, channel: str, count: int, start: int = 0) -> list[Member]:
    """`count` coordinators with an account on `channel` (LINE ids U…, Telegram chat ids)."""
    out = []
    async with runtime.store.tx() as tx:
        for i in range(start, start + count):
            user = f"U{i:032d}" if channel == "line" else str(8_000_000 + i)
            pid = await tx.create_person(f"คนที่ {i}", "coordinator", [])
            ident = await tx.ensure_identity(channel, user)
            await tx.update_identity(ident.id, person_id=pid)
            out.append(Member(pid, channel, user))
    return out


async def queue(
    runtime: Runtime, members: list[Member], text: str = "📢 ประชุมพรุ่งนี้ 09:00", *,
    tag: str | None = "broadcast:1", not_after: datetime | None = None, key: str = "bc1",
) -> None:  # fmt: skip
    """One notice per member, as notify queues it."""
    payload = dump_messages([Outgoing(text)])
    async with runtime.store.tx() as tx:
        for m in members:
            to = Reachable(m.person_id, "th", m.channel, m.user)
            await tx.enqueue_notice(to, payload, f"{key}:{m.person_id}", tag=tag,
                                    not_after=not_after)  # fmt: skip


async def statuses(runtime: Runtime) -> dict[str, int]:
    """Outbox rows per status."""
    async with runtime.store.tx() as tx:
        return await tx.outbox_counts()


async def rows(runtime: Runtime) -> list[dict[str, Any]]:
    """Every outbox row."""
    async with runtime.store.tx() as tx:
        return [
            dict(r._mapping) for r in await tx.conn.execute(select(outbox).order_by(outbox.c.id))
        ]


def later(clock: MovableClock, seconds: float) -> None:
    """Move the clock."""
    clock.advance(timedelta(seconds=seconds))
