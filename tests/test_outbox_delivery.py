"""The sender under failure: outages survived, 429 honoured channel-wide, moments that passed,
blocked recipients, dead letters with an alert and `prasan outbox retry`, late replies.

The clock is injected: the tests move it instead of sleeping.
"""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from bot.channels.telegram_transport import Pacer
from bot.clock import MovableClock
from bot.config import Settings
from bot.outbox_cli import dead, retry
from bot.outbox_policy import BACKOFF_CAP, backoff
from bot.runtime import Runtime
from storage.store import Tx
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.outbox_support import clock as clock
from tests.outbox_support import later, people, queue, rows, statuses
from tests.outbox_support import wired as wired


def test_backoff_doubles_with_jitter_and_stops_at_the_cap() -> None:
    assert [backoff(n, lambda: 0.0) for n in (1, 2, 3, 4)] == [1.0, 2.0, 4.0, 8.0]
    assert [backoff(n, lambda: 1.0) for n in (1, 2, 3, 4)] == [2.0, 4.0, 8.0, 16.0]
    assert backoff(30, lambda: 1.0) == BACKOFF_CAP
    assert backoff(30, lambda: 0.0) == BACKOFF_CAP / 2


async def _drain_through(
    runtime: Runtime, clock: MovableClock, seconds: float, step: float = 30.0
) -> None:
    """Let the sender run for `seconds` of clock time, a pass every `step` seconds."""
    spent = 0.0
    while spent < seconds:
        await runtime.sender.deliver()
        later(clock, step)
        spent += step


async def test_an_hour_long_outage_loses_nothing_on_either_channel(
    wired: Runtime, fake_line: FakeLine, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    line_people = await people(wired, "line", 1)
    tg_people = await people(wired, "telegram", 3, start=100)
    await queue(wired, line_people + tg_people)
    fake_line.fail_next(503, count=10_000)
    fake_tg.fail("sendMessage", 500, times=10_000)
    # An hour: the old sender gave up after 8 attempts (~4¼ minutes).
    await _drain_through(wired, clock, 3600)
    assert (await statuses(wired)).get("sent", 0) == 0
    attempts = {r["recipient"]: r["attempts"] for r in await rows(wired)}
    assert min(attempts.values()) > 8  # still trying
    # Backing off, not hammering: capped at five minutes (+ jitter), so ≤ ~12 tries an hour
    # once the steps reach the cap, never one per pass.
    assert max(attempts.values()) < 40
    fake_line.failures.clear()
    fake_tg._failures.clear()
    await _drain_through(wired, clock, 2 * BACKOFF_CAP)
    assert await statuses(wired) == {"sent": 4}
    assert len(fake_line.texts(line_people[0].user)) == 1
    for m in tg_people:
        assert len(fake_tg.chats[int(m.user)]) == 1


async def test_after_the_give_up_window_rows_are_dead_admins_are_told_and_retry_requeues(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock, settings: Settings
) -> None:
    (member,) = await people(wired, "telegram", 1)
    admin = (await people(wired, "line", 1, start=900))[0]
    async with wired.store.tx() as tx:
        from sqlalchemy import update

        from storage.schema import people as people_table

        await tx.conn.execute(
            update(people_table).where(people_table.c.id == admin.person_id).values(role="admin")
        )
    await queue(wired, [member])
    fake_tg.fail("sendMessage", 502, times=100_000)
    await _drain_through(wired, clock, 25 * 3600, step=600)
    assert (await statuses(wired)).get("dead") == 1
    alerts = {r["recipient"]: r for r in await rows(wired) if r["tag"] == "outbox-alert"}
    assert alerts[admin.user]["status"] == "sent"  # told on LINE, which is up
    assert "prasan outbox dead" in alerts[admin.user]["payload"]
    ns = argparse.Namespace(ids=[], all=True)
    fake_tg._failures.clear()
    assert await retry(ns, wired.settings) == 0
    await wired.sender.deliver()
    assert len(fake_tg.chats[int(member.user)]) == 1
    assert (await statuses(wired)).get("dead", 0) == 0
    assert await dead(argparse.Namespace(), wired.settings) == 0


async def test_a_429_pauses_the_whole_channel_with_zero_requests_meanwhile(
    wired: Runtime, fake_line: FakeLine, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    tg_people = await people(wired, "telegram", 20)
    line_people = await people(wired, "line", 2, start=50)
    await queue(wired, tg_people, key="a")
    await queue(wired, line_people[:1], key="b", text="ข้อความเดียว")
    # Four a second, as pacing spaces them: the 429 arrives before the next one is due.
    telegram: Any = wired.channels["telegram"]
    telegram.pacer = Pacer(overall=4, per_chat=10_000)
    fake_tg.fail("sendMessage", 429, times=1, after=3, retry_after=30)
    fake_line.fail_next(429, count=1, retry_after=20)
    await wired.sender.deliver()
    tg_calls = len(fake_tg.called("sendMessage"))
    line_calls = len(fake_line.calls)
    assert tg_calls == 4 and line_calls == 1  # three delivered, then the 429: no more calls
    await queue(wired, line_people[1:], key="c", text="อีกข้อความ")
    for _ in range(5):  # the sender keeps looking, inside both windows
        later(clock, 3)
        await wired.sender.deliver()
    assert len(fake_tg.called("sendMessage")) == tg_calls  # zero requests during Retry-After
    assert len(fake_line.calls) == line_calls
    later(clock, 30)
    await wired.sender.deliver()
    assert sum(len(fake_tg.chats[int(m.user)]) for m in tg_people) == 20
    for m in line_people:
        assert len(fake_line.texts(m.user)) == 1


async def test_a_notice_whose_moment_passed_is_dropped_and_counted_not_sent_late(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    members = await people(wired, "telegram", 3)
    await queue(wired, members, not_after=clock() + __import__("datetime").timedelta(hours=2))
    fake_tg.fail("sendMessage", 500, times=100_000)
    await _drain_through(wired, clock, 3 * 3600, step=300)
    fake_tg._failures.clear()
    await _drain_through(wired, clock, 600)
    assert await statuses(wired) == {"expired": 3}
    assert all(not fake_tg.chats[int(m.user)] for m in members)
    assert wired.sender.metrics.value("expired", "telegram") == 3


async def test_blocked_recipients_are_marked_skipped_and_counted(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    members = await people(wired, "telegram", 3)
    await queue(wired, members[:1], key="first")
    await queue(wired, members, key="second")
    fake_tg.fail("sendMessage", 403, times=1, description="Forbidden: bot was blocked by the user")
    await wired.sender.deliver()
    await wired.sender.deliver()
    got = {(r["recipient"], r["dedupe_key"].split(":")[0]): r["status"] for r in await rows(wired)}
    blocked = members[0].user
    assert got[(blocked, "first")] == "blocked" and got[(blocked, "second")] == "blocked"
    assert got[(members[1].user, "second")] == "sent"
    assert wired.sender.metrics.value("blocked", "telegram") == 1
    async with wired.store.tx() as tx:
        ident = await tx.identity("telegram", blocked)
    assert ident is not None and not ident.active


async def test_a_429_in_one_chats_burst_pauses_that_chat_only_while_the_others_go_on(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    (busy,) = await people(wired, "telegram", 1)
    others = await people(wired, "telegram", 5, start=10)
    chat = int(busy.user)
    telegram: Any = wired.channels["telegram"]
    telegram.pacer = Pacer(overall=10_000)  # per chat: Telegram's 1 a second (burst of 3)
    fake_tg.clock = lambda: clock().timestamp()
    for key in ("a", "b", "c"):
        await queue(wired, [busy], key=key, text=f"ข้อความ {key}")
    await queue(wired, others, key="first")
    # Telegram's per-chat limit: the second message of the burst is refused for 30 s.
    fake_tg.fail("sendMessage", 429, chat=chat, after=1, retry_after=30)
    await wired.sender.deliver()
    refused_at = clock().timestamp()
    assert [s.text for s in fake_tg.chats[chat]] == ["ข้อความ a"]
    assert all(len(fake_tg.chats[int(m.user)]) == 1 for m in others)
    for i in range(5):  # inside the window: the other chats go on as usual
        later(clock, 5)
        await queue(wired, others, key=f"more{i}", text=f"ข่าว {i}")
        await wired.sender.deliver()
    assert all(len(fake_tg.chats[int(m.user)]) == 6 for m in others)
    to_busy = [c.at for c in fake_tg.calls if c.method == "sendMessage"
               and int(c.params["chat_id"]) == chat]  # fmt: skip
    assert [t for t in to_busy if refused_at < t < refused_at + 30] == []  # zero requests
    later(clock, 10)  # past the 30 s
    await wired.sender.deliver()
    assert [s.text for s in fake_tg.chats[chat]] == ["ข้อความ a", "ข้อความ b", "ข้อความ c"]
    assert telegram.pause.clock() > refused_at and await statuses(wired) == {"sent": 33}


async def test_a_send_whose_record_fails_is_recorded_on_a_retry_and_not_sent_again(
    wired: Runtime, fake_tg: FakeTelegram, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    members = await people(wired, "telegram", 2)
    await queue(wired, members)
    # Three refusals: a shared batch that fails is re-run job by job, so at least one of
    # the two records fails on its own and is tried again.
    failing = {"left": 3}
    delivered = Tx.outbox_delivered

    async def flaky(tx: Tx, ids: list[int]) -> None:
        if failing["left"]:
            failing["left"] -= 1
            raise OSError("disk I/O error")  # the database refuses the record
        await delivered(tx, ids)

    monkeypatch.setattr(Tx, "outbox_delivered", flaky)
    wired.sender.acks.retry_pause = 0.0
    assert await wired.sender.deliver() == 2
    await wired.sender.flush()
    assert failing["left"] == 0 and await statuses(wired) == {"sent": 2}
    assert "sends failed (OSError); trying again" in caplog.text
    await wired.sender.deliver()
    assert [len(fake_tg.chats[int(m.user)]) for m in members] == [1, 1]  # nobody twice
