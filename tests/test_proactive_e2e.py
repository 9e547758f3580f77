"""Done-when of issue 8: a running `prasan run`, crons every minute, both fake platforms.

The process starts on a pinned programme clock (PRASAN_CLOCK_START: a Thursday
afternoon, so reminders, last calls and both digests are due); the catch-up at start
runs every due job, the sender delivers, and the next cron firing (a real minute
boundary, the one wait here) finds each period done and sends nothing again.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.demo import DEMO_AREAS, load_geography
from storage.store import Store
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram

BKK = ZoneInfo("Asia/Bangkok")
START = datetime(2026, 12, 3, 15, 0, 20, tzinfo=BKK)  # Thursday, a working day everywhere
LINE_COORD, LINE_SUP = "U" + "c" * 32, "U" + "s" * 32
TG_COORD, TG_ADMIN = 5550001, 5550002
JOBS = ("reminder", "last-call", "digest-daily", "digest-weekly")


async def prepare(url: str) -> None:
    """Areas, four people on the two apps, a report last week and a problem yesterday."""
    store = await Store.open(url)
    try:
        async with store.tx() as tx:
            await load_geography(tx)
            for code, name, district, province in DEMO_AREAS:
                pid = await tx.find_province(province)
                assert pid is not None
                did = await tx.find_district(district, pid)
                assert did is not None
                await tx.upsert_area(code, name, did)
            ptn01, yla01 = await tx.area_by_code("PTN01"), await tx.area_by_code("YLA01")
            pattani = await tx.find_province("ปัตตานี")
            assert ptn01 and yla01 and pattani
            people = [
                ("line", LINE_COORD, "สมชาย ใจดี", "coordinator", [["area", ptn01.id]]),
                ("telegram", str(TG_COORD), "ฟาตีมะห์ ดอเลาะ", "coordinator", [["area", yla01.id]]),
                ("line", LINE_SUP, "อรุณี ศรีสุข", "supervisor", [["province", pattani]]),
                ("telegram", str(TG_ADMIN), "เจ้าหน้าที่โครงการ", "admin", [["all", None]]),
            ]
            ids = {}
            for channel, external, name, role, scope in people:
                person = await tx.create_person(name, role, scope)
                ident = await tx.ensure_identity(channel, external)
                await tx.update_identity(ident.id, person_id=person)
                ids[external] = person
            common = dict(norm_text="", tokens=["เวที"], photos=[], channel="line")
            await tx.insert_report(kind="progress", person_id=ids[LINE_COORD], area_id=ptn01.id,
                                   raw_text="จัดเวที", participants=25, status="submitted",
                                   created_at=datetime(2026, 11, 25, 10, tzinfo=BKK), **common)  # fmt: skip
            await tx.insert_report(kind="obstacle", person_id=ids[LINE_COORD], area_id=ptn01.id,
                                   raw_text="งบไม่มา", category="budget", severity="high",
                                   status="open", created_at=datetime(2026, 12, 2, 10, tzinfo=BKK),
                                   **common)  # fmt: skip
    finally:
        await store.close()


@pytest.mark.slow
async def test_prasan_run_delivers_each_reminder_and_digest_once_on_both_apps(
    tmp_path: Path,
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'e2e.db'}"
    await prepare(url)
    tg, line = await FakeTelegram().start(), await FakeLine().start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(
        PYTHAINLP_OFFLINE="1", DATABASE_URL=url, PORT="0",
        TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url, TELEGRAM_FILE_URL=tg.file_url,
        LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN, LINE_API_URL=line.api_url,
        LINE_DATA_API_URL=line.data_url, PRASAN_PUBLIC_URL="https://prasan.example.org",
        PRASAN_CLOCK_START=START.isoformat(), PRASAN_REMINDER_CRON="* * * * *",
        PRASAN_LAST_CALL_CRON="* * * * *", PRASAN_DAILY_DIGEST_CRON="* * * * *",
        PRASAN_WEEKLY_DIGEST_CRON="* * * * *",
    )  # fmt: skip
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path, stderr=asyncio.subprocess.PIPE
    )
    log: list[str] = []

    async def read() -> None:
        assert proc.stderr is not None
        async for raw in proc.stderr:
            log.append(raw.decode(errors="replace"))

    reader = asyncio.create_task(read())

    async def until(check, within: float) -> None:  # type: ignore[no-untyped-def]
        async with asyncio.timeout(within):
            while True:  # the fakes and the process's log are polled: both are plain lists
                if check():
                    return
                await asyncio.sleep(0.2)

    def tg_chat(chat: int) -> list:  # type: ignore[type-arg]
        return tg.chats[chat]

    try:
        await until(lambda: len(line.messages_to(LINE_COORD)) >= 2 and len(tg_chat(TG_COORD)) >= 2
                    and any(m["type"] == "image" for m in line.messages_to(LINE_SUP))
                    and any(s.photo for s in tg_chat(TG_ADMIN)), 60)  # fmt: skip
        port = int(re.search(r"listening on port (\d+)", "".join(log)).group(1))  # type: ignore[union-attr]
        # The next cron firing (a real minute boundary) finds every period done.
        await until(lambda: all(f"already handled job={j}" in "".join(log) for j in JOBS), 75)
        await asyncio.sleep(1)  # anything queued by mistake would be on its way by now

        coord_line = [m["text"] for m in line.messages_to(LINE_COORD) if m["type"] == "text"]
        assert len(coord_line) == 2 and "บ้านบางปู" in coord_line[0]
        assert coord_line[0].startswith("🔔") and coord_line[1].startswith("⏰")
        coord_tg = [s.text for s in tg_chat(TG_COORD)]
        assert len(coord_tg) == 2 and all("บ้านบันนังสตา" in t for t in coord_tg)
        assert any("remind:report:YLA01" in d for s in tg_chat(TG_COORD) for row in s.keyboard
                   for _, d in row)  # fmt: skip

        sup = line.messages_to(LINE_SUP)
        texts = [m["text"] for m in sup if m["type"] == "text"]
        assert (
            sum(t.startswith("📰") for t in texts) == 1
            and sum(t.startswith("🗓️") for t in texts) == 1
        )
        assert "บ้านบันนังสตา" not in "\n".join(texts)  # Yala is outside her scope
        [image] = [m for m in sup if m["type"] == "image"]
        chart_url = image["originalContentUrl"]
        assert chart_url.startswith("https://prasan.example.org/media/")
        admin = tg_chat(TG_ADMIN)
        assert sum(s.text.startswith("📰") for s in admin) == 1
        assert sum(s.text.startswith("🗓️") for s in admin) == 1
        [photo] = [s for s in admin if s.photo]
        uploaded = tg.uploads[photo.photo]
        assert uploaded.startswith(b"\x89PNG")
        # LINE fetches the chart from our web server; Telegram got the bytes uploaded.
        path = chart_url.removeprefix("https://prasan.example.org")
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{port}{path}") as r:
            assert r.status == 200 and r.content_type == "image/png"
            assert (await r.read()).startswith(b"\x89PNG")
    finally:
        if proc.returncode is None:
            proc.terminate()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), 30)
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader
        await tg.close()
        await line.close()
