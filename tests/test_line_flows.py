"""LINE conversations end to end: the flows, their interplay with the outbox, `prasan run`.

Signed webhooks to the bot, answers read back from a fake LINE API (tests/line_support.py).
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select, update

from bot.channels.errors import ConfigError
from bot.channels.line import WEBHOOK_PATH, ContentTooLarge, LineChannel
from bot.channels.line_render import utf16_len
from bot.messages import Outgoing, dump_messages
from bot.runtime import Runtime
from storage.schema import outbox, reports
from storage.store import utcnow
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.helpers import listening_port, make_invite, prasan_cli, start_prasan
from tests.line_support import GROUP, Phone, person_id_of, registered

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.line_support import base_url as base_url
from tests.line_support import fake as fake
from tests.line_support import line as line
from tests.line_support import phone as phone
from tests.line_support import session as session
from tests.process_support import QUIET_SCHEDULES

# ---- the flows, over signed webhooks ----------------------------------------------------------


async def test_coordinator_registers_reports_progress_and_a_problem(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Ucoordinator0001")
    assert "รหัสเชิญ" in await p.send(fl.follow_event(p.user, fake.reply_token(p.user)))
    welcome = await p.say(await make_invite(runtime.store))
    assert "🎉" in welcome
    assert all(utf16_len(a["label"]) <= 20 for a in fake.quick_replies(p.user))

    assert "เกิดอะไรขึ้น" in await p.press("ส่งความก้าวหน้า")
    assert "30" in await p.say("จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน")
    await p.press("ใช่")
    summary = await p.press("ข้าม")
    assert "บ้านบางปู" in summary
    saved = await p.press("ส่ง")
    assert "#" in saved

    assert "ปัญหา" in await p.press("แจ้งปัญหา")
    await p.say("งบประมาณจัดเวทีล่าช้า ยังไม่ได้รับเงินโอนจากอำเภอ ชาวบ้านรอนานแล้ว")
    await p.press(fake.quick_replies(p.user)[0]["label"])  # the suggested category
    await p.press("🔴 เร่งด่วน")
    await p.press("ข้าม")
    assert "#" in await p.press("ส่ง")

    async with runtime.store.tx() as tx:
        rows = (await tx.conn.execute(select(reports).order_by(reports.c.id))).all()
    assert [(r.kind, r.channel, r.participants) for r in rows] == [
        ("progress", "line", 30), ("obstacle", "line", None)]  # fmt: skip
    assert rows[1].severity == "high"
    # Every answer used the fresh reply token: no push was needed.
    assert fake.calls_to("/push") == []
    displayed = [c.body["messages"] for c in fake.calls_to("/reply")]
    assert all(len(batch) <= 5 for batch in displayed)


async def test_follow_from_a_stranger_explains_how_to_register(
    phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Ustranger0001")
    text = await p.send(fl.follow_event(p.user, fake.reply_token(p.user)))
    assert "รหัสเชิญ" in text and "K7MQ4-XPD9R" in text


async def test_unfollow_marks_the_identity_inactive(
    runtime: Runtime, phone: Callable[[str], Phone]
) -> None:
    p = phone("Ublocker0001")
    await registered(runtime, p)
    assert await p.send(fl.event(p.user, kind="unfollow")) == ""
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", p.user)
    assert ident is not None and not ident.active


async def test_group_message_gets_a_polite_note_in_the_group(
    phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    group = phone("Cgroup0001")  # replies land in the group chat, not in a member's inbox
    text = await group.send(fl.text_event("Umember01", "สวัสดี", fake.reply_token("Cgroup0001"),
                                          source=GROUP))  # fmt: skip
    assert "แชตส่วนตัว" in text
    assert fake.messages_to("Umember01") == []


async def test_image_is_kept_as_a_photo_reference_and_can_be_fetched(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine, line: LineChannel
) -> None:
    p = phone("Uphotographer01")
    await registered(runtime, p)
    fake.contents["468789577898262530"] = (b"\xff\xd8jpeg" * 100, "image/jpeg")
    await p.send(fl.image_event(p.user, "468789577898262530", fake.reply_token(p.user)))
    person_id = await person_id_of(runtime, p.user)
    async with runtime.store.tx() as tx:
        conv = await tx.conversation(person_id)
    assert conv is not None and conv.data["photos"] == ["line:468789577898262530"]

    assert await line.fetch_content("468789577898262530", 1_000_000) == b"\xff\xd8jpeg" * 100
    assert fake.calls_to("/content")[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(ContentTooLarge):
        await line.fetch_content("468789577898262530", 100)
    with pytest.raises(ConfigError):
        await line.fetch_content("999", 1_000_000)


# ---- through the outbox: throttling and a crash between send and bookkeeping -----------------


async def test_429_puts_the_row_back_and_a_later_pass_delivers_it(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Uthrottled001")
    fake.fail_next(429, retry_after=7)
    before = utcnow()
    assert await p.send(fl.follow_event(p.user, fake.reply_token(p.user))) == ""
    async with runtime.store.tx() as tx:
        (row,) = await tx.outbox_rows()
    # LINE refused the call, so the token is unused: it is kept while it is fresh.
    assert row["status"] == "pending" and row["reply_token"] is not None
    assert row["next_attempt_at"] >= before + timedelta(seconds=6)
    line: Any = runtime.channels["line"]
    line.pause = type(line.pause)()  # time passes for its own 429 pause too
    runtime.sender.gates = type(runtime.sender.gates)()
    async with runtime.store.tx() as tx:  # time passes
        await tx.conn.execute(
            update(outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    assert await runtime.sender.deliver() == 1
    await runtime.sender.flush()  # sends are acknowledged in batches
    assert [c.status for c in fake.calls_to("/reply")] == [429, 200]
    assert "รหัสเชิญ" in fake.texts(p.user)[0]
    async with runtime.store.tx() as tx:
        assert [r["status"] for r in await tx.outbox_rows()] == ["sent"]


async def test_a_send_repeated_after_a_crash_is_not_delivered_twice(
    runtime: Runtime, line: LineChannel, fake: FakeLine
) -> None:
    async with runtime.store.tx() as tx:
        row_id = await tx.enqueue("line", "Unotice0001", dump_messages([Outgoing("📢 ประชุม")]),
                                  "notice:1")  # fmt: skip
    assert await runtime.sender.deliver() == 1
    await runtime.sender.flush()
    async with runtime.store.tx() as tx:  # the process died before it recorded "sent"
        await tx.conn.execute(update(outbox).where(outbox.c.id == row_id).values(
            status="sending", next_attempt_at=utcnow() - timedelta(seconds=1)))  # fmt: skip
    assert await runtime.sender.deliver() == 1
    await runtime.sender.flush()
    assert [c.status for c in fake.calls_to("/push")] == [200, 409]
    assert fake.texts("Unotice0001") == ["📢 ประชุม"]
    async with runtime.store.tx() as tx:
        assert [r["status"] for r in await tx.outbox_rows()] == ["sent"]


# ---- end to end: `prasan run` as a subprocess -------------------------------------------------


async def test_prasan_run_serves_a_coordinator_end_to_end(
    tmp_path: Path, fake: FakeLine, session: aiohttp.ClientSession, database_url: str
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_", "DATABASE_URL", "PORT"))}  # fmt: skip
    env |= {
        "PYTHAINLP_OFFLINE": "1",
        "DATABASE_URL": database_url,
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": fake.api_url, "LINE_DATA_API_URL": fake.data_url, "PORT": "0",
        **QUIET_SCHEDULES,
    }  # fmt: skip
    await prasan_cli(env, tmp_path, "demo")
    code = await prasan_cli(env, tmp_path, "invite", "--role", "coordinator", "--area", "PTN01")
    code = code.strip().splitlines()[-1]

    proc, log_path = await start_prasan(env, tmp_path, "run")
    try:
        # PORT=0: the server binds a free port and says which (no pick-then-release race).
        base = f"http://127.0.0.1:{await listening_port(log_path)}"
        await _wait_healthy(session, base, proc)

        async def settle(p: Phone, seen: int) -> None:
            deadline = time.monotonic() + 20
            while len(fake.messages_to(p.user)) <= seen:
                assert time.monotonic() < deadline, "no answer from the bot"
                await asyncio.sleep(0.05)

        p = Phone(session, base, fake, "Ue2ecoordinator01", settle)
        assert "รหัสเชิญ" in await p.send(fl.follow_event(p.user, fake.reply_token(p.user)))
        assert "🎉" in await p.say(code)
        assert "เกิดอะไรขึ้น" in await p.press("ส่งความก้าวหน้า")
        assert "30" in await p.say("จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน")
        await p.press("ใช่")
        await p.press("ข้าม")
        assert "#" in await p.press("ส่ง")
        bad = fl.body(fl.text_event(p.user, "x"))
        async with session.post(base + WEBHOOK_PATH, data=bad,
                                headers={"X-Line-Signature": "AAAA"}) as resp:  # fmt: skip
            assert resp.status == 400
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
    log = log_path.read_text()
    assert proc.returncode == 0, log
    assert "stopped cleanly" in log
    for secret in (SECRET, TOKEN, code, "บ้านบางปู"):  # never in the logs
        assert secret not in log
    assert fake.quick_replies(p.user)  # the main menu is back on screen


async def _wait_healthy(
    session: aiohttp.ClientSession, base: str, proc: asyncio.subprocess.Process
) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.returncode is None, "prasan run exited early"
        try:
            async with session.get(base + "/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("prasan run did not become healthy")
