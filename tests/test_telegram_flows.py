"""Telegram conversations end to end: the flows, the outbox, blocking, `prasan run`/`web`.

Through the real python-telegram-bot, against a fake Bot API server (tests/telegram_support.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from bot.clock import MovableClock
from bot.messages import Outgoing, dump_messages
from storage.schema import reports
from storage.store import utcnow
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import (
    BIG,
    GROUP,
    PROBLEM,
    REPORT,
    SMALL,
    SOMSRI,
    STICKER,
    Harness,
    Phone,
    T,
    texts,
)

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.telegram_support import fake as fake
from tests.telegram_support import mode as mode
from tests.telegram_support import settings as settings
from tests.telegram_support import tg as tg

# --- the core's flows on Telegram ----------------------------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_coordinator_registers_reports_progress_and_a_problem(tg: Harness) -> None:
    phone = tg.phone()
    assert "K7MQ4-XPD9R" in texts(await phone.say("/start"))  # unknown: how to join

    got = await tg.register(phone)
    assert len(got) == 2 and T("📝 Report progress") in got[-1].labels
    menu = got[-1]

    got = await phone.press(T("📝 Report progress"))
    # The pressed message now reads as a line of transcript, with no buttons left to press.
    assert menu.keyboard == [] and menu.text.endswith("➡️ " + T("📝 Report progress"))
    assert texts(got).startswith("📝")

    got = await phone.say(sticker=STICKER, expect=2)  # mid-flow: told what to do, asked again
    assert got[0].text == T("I can only read typed text here. Please type {what}.",
                           what=T("what happened"))  # fmt: skip

    got = await phone.say(REPORT)  # the draft survived the sticker
    assert got[-1].labels[0] == T("✅ Yes, {n}", n=30)
    await phone.press(T("✅ Yes, {n}", n=30))
    got = await phone.say(photo=[SMALL, BIG])
    assert T("✅ Done") in got[-1].labels
    got = await phone.press(T("✅ Done"))
    assert T.plural(
        "Participants: {count} person", "Participants: {count} people", 30, count="30"
    ) in texts(got)
    got = await phone.press(T("✅ Send"), expect=2)
    assert "#" in got[0].text

    await phone.press(T("⚠️ Report a problem"))
    got = await phone.say(PROBLEM)
    suggested = got[-1].labels[0]  # the suggestion comes first
    got = await phone.press(suggested)
    await phone.press(T("🔴 Urgent"))
    got = await phone.press(T("⏭️ Skip"))
    assert T("Urgency: {urgency}", urgency=T("🔴 Urgent")) in texts(got)
    got = await phone.press(T("✅ Send"), expect=2)
    assert got[0].text.startswith("🎫")

    presses = 9
    assert len(tg.fake.called("answerCallbackQuery")) == presses  # every press is answered
    async with tg.runtime.store.tx() as tx:
        rows = (await tx.conn.execute(select(reports).order_by(reports.c.id))).mappings().all()
    assert [(r["kind"], r["channel"]) for r in rows] == [("progress", "telegram"),
                                                         ("obstacle", "telegram")]  # fmt: skip
    assert rows[0]["participants"] == 30 and rows[0]["photos"] == ["telegram:big"]
    assert rows[1]["severity"] == "high" and rows[1]["category"] == "budget"


async def test_location_and_photo_as_file_are_kept(tg: Harness) -> None:
    phone = tg.phone()
    await tg.register(phone)
    await phone.press(T("📝 Report progress"))
    await phone.say("ประชุมแกนนำชุมชน 12 คน")
    await phone.press(T("✅ Yes, {n}", n=12))
    await phone.say(location={"latitude": 6.8694, "longitude": 101.2501})
    image = {"file_id": "scan", "file_unique_id": "sc", "mime_type": "image/png"}
    got = await phone.say(document=image)
    assert T("✅ Done") in got[-1].labels
    got = await phone.press(T("✅ Done"))
    assert T("Photos: {photos} · Location: {loc}", photos=1, loc=T("yes")) in texts(got)


# --- the outbox, blocked users, group chats ------------------------------------------------


def pinned_clock(tg: Harness) -> MovableClock:
    """One movable clock for the store (when rows are due) and the channel's 429 pauses."""
    clock = MovableClock(utcnow())
    tg.runtime.store.clock = clock
    tg.channel.pause.clock = lambda: clock().timestamp()
    return clock


async def test_throttled_reply_is_sent_later_without_repeating_what_went_out(tg: Harness) -> None:
    clock = pinned_clock(tg)
    phone = tg.phone()
    tg.fake.fail("sendMessage", 429, after=1, retry_after=1)  # the welcome goes, the menu waits
    got = await tg.register(phone)
    assert len(got) == 1
    async with tg.runtime.store.tx() as tx:
        (row,) = await tx.outbox_rows()
    assert row["status"] == "pending" and "retry after 1" in row["last_error"]

    assert await tg.runtime.sender.deliver() == 0  # not due yet
    clock.advance(timedelta(seconds=1.1))
    assert await tg.runtime.sender.deliver() == 1
    await tg.runtime.sender.flush()
    assert len(phone.chat) == 2 and T("📝 Report progress") in phone.chat[-1].labels
    async with tg.runtime.store.tx() as tx:
        assert [r["status"] for r in await tx.outbox_rows()] == ["sent"]


async def test_a_user_who_blocked_the_bot_gets_nothing_more(tg: Harness) -> None:
    clock = pinned_clock(tg)
    phone = tg.phone()
    await tg.register(phone)
    async with tg.runtime.store.tx() as tx:  # a meeting notice waits for them
        await tx.enqueue("telegram", str(SOMSRI.id), dump_messages([Outgoing("ประชุม")]),
                         "notice:1", not_before=clock() + timedelta(seconds=1))  # fmt: skip
    tg.fake.fail("sendMessage", 403, times=5, description="Forbidden: bot was blocked by the user")
    before = len(phone.chat)
    await phone.say("/help")

    async with tg.runtime.store.tx() as tx:
        identity = await tx.identity("telegram", str(SOMSRI.id))
        statuses = [r["status"] for r in await tx.outbox_rows()]
    assert identity is not None and not identity.active
    assert statuses[-2:] == ["blocked", "blocked"]  # the reply and the waiting notice
    clock.advance(timedelta(seconds=1.1))
    assert await tg.runtime.sender.deliver() == 0
    assert len(tg.fake.called("sendMessage")) == before + 1  # only the refused reply was tried


async def test_blocking_and_coming_back(tg: Harness) -> None:
    phone = tg.phone()
    await tg.register(phone)
    got = await phone.send(tg.fake.member(SOMSRI, "kicked"))
    assert got == []
    async with tg.runtime.store.tx() as tx:
        identity = await tx.identity("telegram", str(SOMSRI.id))
    assert identity is not None and not identity.active
    assert await phone.send(tg.fake.member(SOMSRI, "member")) == []  # restart: no double greeting
    got = await phone.say("/start")
    assert T("📝 Report progress") in got[-1].labels
    async with tg.runtime.store.tx() as tx:
        identity = await tx.identity("telegram", str(SOMSRI.id))
    assert identity is not None and identity.active


async def test_group_chats_get_one_polite_answer(tg: Harness) -> None:
    update = tg.fake.message(SOMSRI, "/start@prasan_bot", chat=GROUP)
    await tg.deliver(update)
    (sent,) = tg.fake.chats[GROUP["id"]]
    assert sent.text == T("🙏 I only work in one-to-one chats. Please message me directly.")


# --- end to end: `prasan run` / `prasan web` as a process ----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path, fake: FakeTelegram, database_url: str) -> dict[str, str]:
    """A clean environment for the CLI: a fresh database, the fake Bot API, a free port."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    return keep | {
        "DATABASE_URL": database_url,
        "PYTHAINLP_OFFLINE": "1",
        "TELEGRAM_BOT_TOKEN": fake.token,
        "TELEGRAM_API_URL": fake.api_url,
        "TELEGRAM_FILE_URL": fake.file_url,
        "PORT": str(_free_port()),
    }


async def _cli(env: dict[str, str], cwd: Path, *args: str) -> str:
    """Run one `prasan` command to completion; its stdout."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    return out.decode()


@contextlib.asynccontextmanager
async def _serving(env: dict[str, str], cwd: Path, command: str) -> AsyncIterator[Path]:
    """`prasan <command>` in the background, stopped with SIGTERM; yields its log file."""
    log_path = cwd / f"{command}.log"
    with log_path.open("wb") as log_file:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", command, env=env, cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
        try:
            yield log_path
        finally:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
            try:
                code = await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
                raise
    assert code == 0, log_path.read_text()
    assert "stopped cleanly" in log_path.read_text()


async def _prepare(env: dict[str, str], cwd: Path) -> str:
    """`prasan demo` and `prasan invite`; the invite code (the last line printed)."""
    await _cli(env, cwd, "demo")
    out = await _cli(env, cwd, "invite", "--role", "coordinator", "--area", "PTN01")
    return out.strip().splitlines()[-1]


def _check_log(log_path: Path, fake: FakeTelegram) -> None:
    """Neither the token nor what people wrote ever reaches the log."""
    text = log_path.read_text()
    assert fake.token not in text and fake.token.split(":")[1] not in text
    assert REPORT not in text and "บางปู" not in text


async def test_prasan_run_serves_a_coordinator_by_polling(
    env: dict[str, str], tmp_path: Path, fake: FakeTelegram
) -> None:
    code = await _prepare(env, tmp_path)

    async def deliver(update: dict[str, Any], expect: int) -> None:
        await fake.wait_confirmed(fake.push(update), within=20)

    async with _serving(env, tmp_path, "run") as log_path:
        await fake.wait_for(lambda: bool(fake.called("getUpdates")), within=30)
        phone = Phone(fake, SOMSRI, deliver)
        got = await phone.say(f"/start {code}")
        assert len(got) == 2 and T("📝 Report progress") in got[-1].labels
        await phone.press(T("📝 Report progress"))
        got = await phone.say(REPORT)
        got = await phone.press(T("✅ Yes, {n}", n=30))
        assert T("⏭️ Skip") in got[-1].labels  # the rest of the flow is covered in-process
    assert fake.called("deleteWebhook") and fake.called("setMyCommands")
    _check_log(log_path, fake)


async def test_prasan_web_serves_a_coordinator_by_webhook(
    env: dict[str, str], tmp_path: Path, fake: FakeTelegram
) -> None:
    secret = "e2e-secret_0123456789"
    env |= {"TELEGRAM_WEBHOOK_URL": "https://prasan.example.org", "TELEGRAM_WEBHOOK_SECRET": secret}
    code = await _prepare(env, tmp_path)
    base = f"http://127.0.0.1:{env['PORT']}"

    async with _serving(env, tmp_path, "web") as log_path, aiohttp.ClientSession(base) as http:

        async def deliver(update: dict[str, Any], expect: int) -> None:
            before = len(fake.chats[SOMSRI.id])
            async with http.post(WEBHOOK_PATH, json=update, headers={SECRET_HEADER: secret}) as r:
                assert r.status == 200
            await fake.wait_for(lambda: len(fake.chats[SOMSRI.id]) >= before + expect, 20)

        await fake.wait_for(lambda: fake.webhook is not None, within=30)
        assert fake.webhook is not None
        assert fake.webhook["secret_token"] == secret
        assert fake.webhook["url"] == "https://prasan.example.org/webhooks/telegram"
        await _until_listening(http)
        wrong = fake.message(SOMSRI, "/start")
        async with http.post(WEBHOOK_PATH, json=wrong, headers={SECRET_HEADER: "nope"}) as r:
            assert r.status == 403

        phone = Phone(fake, SOMSRI, deliver)
        got = await phone.say(f"/start {code}", expect=2)
        assert T("📝 Report progress") in got[-1].labels
        got = await phone.press(T("📝 Report progress"))
        got = await phone.say(REPORT)
        assert got[-1].labels[0] == T("✅ Yes, {n}", n=30)
    _check_log(log_path, fake)


async def _until_listening(http: aiohttp.ClientSession) -> None:
    async with asyncio.timeout(30):
        while True:
            try:
                async with http.get("/healthz") as r:
                    if r.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
