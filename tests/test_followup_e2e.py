"""Done-when of the problem follow-up, on a running `prasan run` against both fake platforms.

A coordinator files a problem with a photo on LINE; the supervisor on Telegram sees the
photo, acknowledges and resolves it; the coordinator is told each time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
from pathlib import Path

import aiohttp
import pytest

from bot.i18n import translator
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram, Person
from tests.helpers import listening_port, prasan_cli, start_prasan, wait_until
from tests.line_support import Phone as LinePhone
from tests.process_support import QUIET_SCHEDULES
from tests.telegram_support import Phone as TelegramPhone

T = translator("th")
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8
SUPERVISOR = Person(5550077, first_name="อรทัย", last_name="ติดตาม")


@pytest.mark.slow
async def test_line_photo_problem_acknowledged_and_resolved_from_telegram(tmp_path: Path) -> None:
    line, tg = await FakeLine().start(), await FakeTelegram().start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    env |= {
        "PYTHAINLP_OFFLINE": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "PORT": "0", "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": line.api_url, "LINE_DATA_API_URL": line.data_url,
        "TELEGRAM_BOT_TOKEN": tg.token, "TELEGRAM_API_URL": tg.api_url,
        "TELEGRAM_FILE_URL": tg.file_url, **QUIET_SCHEDULES,
    }  # fmt: skip
    proc = None
    try:
        await prasan_cli(env, tmp_path, "demo")
        coordinator_code = (await prasan_cli(env, tmp_path, "invite", "--role", "coordinator",
                                       "--area", "PTN01")).strip().splitlines()[-1]  # fmt: skip
        supervisor_code = (await prasan_cli(env, tmp_path, "invite", "--role", "supervisor",
                                      "--province", "ปัตตานี")).strip().splitlines()[-1]  # fmt: skip
        proc, log_path = await start_prasan(env, tmp_path, "run")
        # PORT=0: the server binds a free port and says which (no pick-then-release race).
        port = await listening_port(log_path)
        base = f"http://127.0.0.1:{port}"
        async with aiohttp.ClientSession() as session:
            await _until_healthy(session, base)
            await wait_until(lambda: bool(tg.called("getUpdates")), "Telegram polling")

            async def tg_deliver(update: dict, expect: int) -> None:  # type: ignore[type-arg]
                before = len(tg.chats[SUPERVISOR.id])
                await tg.wait_confirmed(tg.push(update), within=20)
                await wait_until(lambda: len(tg.chats[SUPERVISOR.id]) >= before + expect,
                             "the supervisor's answer")  # fmt: skip

            supervisor = TelegramPhone(tg, SUPERVISOR, tg_deliver)

            async def settle(p: LinePhone, seen: int) -> None:
                await wait_until(
                    lambda: len(line.messages_to(p.user)) > seen, "the coordinator's answer"
                )

            coordinator = LinePhone(session, base, line, "Ue2ecoordinator11", settle)

            await supervisor.say(f"/start {supervisor_code}", expect=1)
            assert await coordinator.say(coordinator_code)
            await coordinator.press(T("⚠️ Report a problem"))
            line.contents["88001"] = (JPEG, "image/jpeg")
            await coordinator.send(fl.image_event(coordinator.user, "88001",
                                                  line.reply_token(coordinator.user)))  # fmt: skip
            await coordinator.say("สะพานข้ามคลองหน้ามัสยิดหักพัง ชาวบ้านข้ามไปประชุมไม่ได้")
            await coordinator.press("✅")  # the suggested category
            await coordinator.press(T("🔴 Urgent"))
            await coordinator.press(T("✅ Done"))  # the photo is already attached
            confirmation = await coordinator.press(T("✅ Send"))
            ticket = int(confirmation.split("#", 1)[1].split()[0])

            # The notice reaches the supervisor on Telegram; the detail view shows the photo.
            await wait_until(lambda: any(f"#{ticket}" in s.text for s in tg.chats[SUPERVISOR.id]),
                         "the new-problem notice")  # fmt: skip
            await wait_until(lambda: bool(line.calls_to("/v2/bot/message/88001/content")),
                         "the photo fetch")  # fmt: skip
            await asyncio.sleep(0.5)  # the fetch is stored right after the download
            shown = await supervisor.press(T("🔎 Details #{id}", id=ticket), expect=2)
            [photo] = [s for s in shown if s.photo]
            assert tg.uploads[photo.photo] == JPEG  # type: ignore[index]

            def heard(state: str) -> int:
                return sum(state in m.get("text", "") for m in line.messages_to(coordinator.user))

            for button, state in ((T("✅ Acknowledge"), T("acknowledged")),
                                  (T("✔️ Resolved"), T("resolved"))):  # fmt: skip
                if state == T("resolved"):
                    await supervisor.say(f"#{ticket}", expect=2)  # the photo, then the details
                before = heard(state)
                await supervisor.press(button)
                await supervisor.say("ประสานช่างโยธาแล้วค่ะ")
                await wait_until(
                    lambda s=state, n=before: heard(s) > n, f"the coordinator hearing {state!r}"
                )
            texts = [m.get("text", "") for m in line.messages_to(coordinator.user)]
            assert sum("ประสานช่างโยธาแล้วค่ะ" in t for t in texts) == 2
    finally:
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), 30)
        await line.close()
        await tg.close()
    assert proc.returncode == 0
    log = (tmp_path / "run.log").read_text()
    assert "stopped cleanly" in log and "สะพาน" not in log


async def _until_healthy(session: aiohttp.ClientSession, base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            async with session.get(base + "/healthz") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientConnectionError:
            pass
        await asyncio.sleep(0.1)
    raise AssertionError("prasan run did not become healthy")
