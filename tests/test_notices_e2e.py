"""Done-when, end to end: on a running `prasan run` (LINE + Telegram fakes), an admin broadcasts
to one province and calls a meeting; RSVPs and the two-hour reminder work on both apps.

Real time, in a real process: the meeting is set two hours and a few minutes ahead, so the
minutely meetings job sends the notice, then the reminder, within about three minutes.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp
import pytest

from bot.channels.line import WEBHOOK_PATH
from bot.i18n import translator
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine, sign
from tests.fake_telegram import FakeTelegram, Person
from tests.helpers import listening_port, prasan_cli, start_prasan, wait_until
from tests.process_support import QUIET_SCHEDULES

pytestmark = pytest.mark.slow
T = translator("th")
BKK = ZoneInfo("Asia/Bangkok")
AREAS = "code,name,district,province\nPTN01,บ้านบางปู,ยะหริ่ง,ปัตตานี\n" \
        "PTN02,บ้านตะโละกาโปร์,ยะหริ่ง,ปัตตานี\nYLA01,บ้านบันนังสตา,บันนังสตา,ยะลา\n"  # fmt: skip
BOSS, BEE = Person(7001, "ผู้ดูแล"), Person(7002, "บี")


async def invite(env: dict[str, str], cwd: Path, *args: str) -> str:
    return (await prasan_cli(env, cwd, "invite", *args)).strip().splitlines()[-1]


class Line:
    """A LINE user posting signed events to the running process."""

    def __init__(self, http: aiohttp.ClientSession, fake: FakeLine, user: str) -> None:
        self.http, self.fake, self.user = http, fake, user

    def texts(self) -> list[str]:
        return self.fake.texts(self.user)

    async def post(self, event: dict[str, object]) -> None:
        before = len(self.fake.messages_to(self.user))
        raw = fl.body(event)
        async with self.http.post(WEBHOOK_PATH, data=raw, headers={
                "X-Line-Signature": sign(raw), "Content-Type": "application/json"}) as r:  # fmt: skip
            assert r.status == 200
        await wait_until(
            lambda: len(self.fake.messages_to(self.user)) > before, f"{self.user}'s answer"
        )

    async def say(self, text: str) -> None:
        await self.post(fl.text_event(self.user, text, self.fake.reply_token(self.user)))

    async def press(self, label: str) -> None:
        await wait_until(lambda: any(label in a["label"] for a in self.fake.quick_replies(self.user)),
                    f"a {label!r} button")  # fmt: skip
        data = self.fake.find_button(self.user, label)["data"]
        await self.post(fl.postback_event(self.user, data, self.fake.reply_token(self.user)))


class Telegram:
    """A Telegram user whose updates the running process polls."""

    def __init__(self, fake: FakeTelegram, person: Person) -> None:
        self.fake, self.person = fake, person

    def texts(self) -> list[str]:
        return [s.text for s in self.fake.chats.get(self.person.id, [])]

    async def push(self, update: dict[str, object]) -> None:
        before = len(self.fake.chats.get(self.person.id, []))
        self.fake.push(update)
        await wait_until(lambda: len(self.fake.chats.get(self.person.id, [])) > before, "an answer")

    async def say(self, text: str) -> None:
        await self.push(self.fake.message(self.person, text))

    async def press(self, label: str) -> None:
        await wait_until(lambda: self._shows(label), f"a {label!r} button")
        await self.push(self.fake.press(self.person, label))

    def _shows(self, label: str) -> bool:
        try:
            self.fake.button(self.person.id, label)
        except (AssertionError, KeyError):
            return False
        return True


def has(texts: Callable[[], list[str]], part: str) -> Callable[[], bool]:
    return lambda: any(part in t for t in texts())


async def test_an_admin_broadcasts_to_a_province_and_runs_a_meeting_on_both_apps(
    tmp_path: Path,
) -> None:
    line_fake, tg_fake = await FakeLine().start(), await FakeTelegram().start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    env |= {
        "PYTHAINLP_OFFLINE": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}", "PORT": "0",
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": line_fake.api_url, "LINE_DATA_API_URL": line_fake.data_url,
        "TELEGRAM_BOT_TOKEN": tg_fake.token, "TELEGRAM_API_URL": tg_fake.api_url,
        "TELEGRAM_FILE_URL": tg_fake.file_url, **QUIET_SCHEDULES,
    }  # fmt: skip
    (tmp_path / "areas.csv").write_text(AREAS, encoding="utf-8")
    await prasan_cli(env, tmp_path, "areas", "import", "areas.csv")
    codes = [await invite(env, tmp_path, "--role", "admin", "--name", "ผู้ดูแล")]
    for area, name in (("PTN01", "อามีนะห์"), ("PTN02", "บี"), ("PTN01", "ซีตี"), ("YLA01", "ดี")):
        codes.append(await invite(env, tmp_path, "--role", "coordinator", "--area", area,
                                  "--name", name))  # fmt: skip
    proc, log_path = await start_prasan(env, tmp_path, "run")
    try:
        port = await listening_port(log_path)
        async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
            await asyncio.wait_for(scenario(http, line_fake, tg_fake, codes), 300)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), 30)
        await line_fake.close()
        await tg_fake.close()
    log = log_path.read_text()
    assert proc.returncode == 0 and "stopped cleanly" in log, log
    assert "ประชุมสรุปงาน" not in log and "ห้องประชุมศาลากลาง" not in log


async def scenario(
    http: aiohttp.ClientSession, line_fake: FakeLine, tg_fake: FakeTelegram, codes: list[str]
) -> None:
    boss, bee = Telegram(tg_fake, BOSS), Telegram(tg_fake, BEE)
    amina, siti, dee = (Line(http, line_fake, u) for u in ("Uamina", "Usiti", "Udee"))
    await wait_until(lambda: bool(tg_fake.called("getUpdates")), "Telegram polling")
    await boss.say(codes[0])
    await amina.say(codes[1])
    await bee.say(codes[2])
    await siti.say(codes[3])
    await dee.say(codes[4])

    # A broadcast to Pattani: both apps, not Yala; then the delivery report.
    await boss.press(T("📢 Broadcast"))
    await boss.say("ขอเชิญประชุมสรุปงานประจำเดือน")
    await boss.press(T("🗺️ A province"))
    await boss.press("ปัตตานี")
    await boss.press(T("✅ Done"))
    assert "LINE 2, Telegram 1" in boss.texts()[-1]
    await boss.press(T("📤 Send now"))
    await boss.press(T("✅ Confirm"))
    for who in (amina, siti, bee):
        await wait_until(has(who.texts, "ขอเชิญประชุมสรุปงาน"), "the broadcast")
    report = T("📊 Delivery report for announcement #{id}", id=1)
    await wait_until(has(boss.texts, report), "the delivery report", 60)
    assert "ส่งถึงแล้ว: 3 คน" in boss.texts()[-1]
    assert not has(dee.texts, "ขอเชิญประชุมสรุปงาน")()

    # A meeting two hours and two minutes ahead (whole minutes, Bangkok time, Buddhist Era).
    now = datetime.now(UTC).astimezone(BKK)
    start = now.replace(second=0, microsecond=0) + timedelta(hours=2, minutes=3)
    await boss.press(T("📅 Meetings"))
    await boss.press(T("➕ New meeting"))
    await boss.say("ประชุมติดตามงานจังหวัดปัตตานี")
    await boss.say(f"{start:%d/%m}/{start.year + 543} {start:%H:%M}")
    await boss.say("ห้องประชุมศาลากลางจังหวัดปัตตานี")
    await boss.press(T("⏭️ Skip"))
    await boss.press(T("🗺️ A province"))
    await boss.press("ปัตตานี")
    await boss.press(T("✅ Done"))
    await boss.press(T("✅ Confirm"))

    for who in (amina, siti, bee):
        await wait_until(has(who.texts, T("📅 You are invited to a meeting")), "the notice", 90)
    assert not has(dee.texts, T("📅 You are invited to a meeting"))()
    await amina.press(T("✅ I will attend"))
    await bee.press(T("✅ I will attend"))
    await siti.press(T("❌ Cannot attend"))
    await siti.say("ติดภารกิจในพื้นที่")
    await boss.press(T("📅 Meetings"))
    assert "✅ เข้าร่วม 2 · ❌ ไม่สะดวก 1 · ⏳ ยังไม่ตอบ 0" in boss.texts()[-1]

    reminder = T("⏰ Reminder: this meeting starts in about two hours")
    await wait_until(has(amina.texts, reminder), "LINE reminder", 150)
    await wait_until(has(bee.texts, reminder), "Telegram reminder", 30)
    await asyncio.sleep(2)  # the same run queued every reminder: none went to the decliner
    assert not has(siti.texts, reminder)()
