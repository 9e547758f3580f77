"""The Telegram channel against a fake Bot API server, through the real python-telegram-bot."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import func, select
from telegram import Update

from bot.channels.errors import ConfigError, ConnectionFailed, ContactStopped, Throttled
from bot.channels.telegram import (
    SECRET_HEADER,
    SECRET_KEY,
    WEBHOOK_PATH,
    TelegramChannel,
    start_channel,
    webhook_url,
)
from bot.channels.telegram_parse import parse_update
from bot.channels.telegram_render import (
    TEXT_LIMIT,
    callback_data,
    keyboard,
    split_text,
    utf16_len,
    with_choice,
)
from bot.channels.telegram_transport import Pacer
from bot.config import Settings
from bot.i18n import translator
from bot.messages import Button, Outgoing, dump_messages
from bot.runtime import Runtime
from bot.web import build_app
from storage.schema import inbox, reports
from storage.store import utcnow
from tests.fake_telegram import FakeTelegram, Person, Sent
from tests.helpers import make_invite

T = translator("th")
SOMSRI = Person(5550001)
REPORT = "จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน"
PROBLEM = "งบประมาณสำหรับจัดเวทีครั้งหน้ายังไม่ได้รับการอนุมัติ ชาวบ้านเริ่มถามว่าจะจัดได้หรือไม่"


# --- fixtures: the fake server, settings pointed at it, a running channel -----------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    """A fake Bot API server on a free local port."""
    server = await FakeTelegram().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
def mode() -> str:
    """How updates arrive; tests parametrize it to run in webhook mode too."""
    return "polling"


@pytest.fixture
def settings(settings: Settings, fake: FakeTelegram, mode: str) -> Settings:
    """The conftest settings with Telegram pointed at the fake (a webhook URL in webhook mode)."""
    webhook = "https://prasan.example.org" if mode == "webhook" else None
    return settings.model_copy(
        update={
            "TELEGRAM_BOT_TOKEN": SecretStr(fake.token),
            "TELEGRAM_API_URL": fake.api_url,
            "TELEGRAM_FILE_URL": fake.file_url,
            "TELEGRAM_WEBHOOK_URL": webhook,
        }
    )


Deliver = Callable[[dict[str, Any], int], Awaitable[None]]


@dataclass
class Harness:
    """A started channel, and a way to deliver an update and wait until it was handled."""

    runtime: Runtime
    fake: FakeTelegram
    channel: TelegramChannel
    client: TestClient[Any, Any] | None

    async def deliver(self, update: dict[str, Any], expect: int = 1) -> None:
        """Polling: queue it and wait for the next getUpdates; webhook: POST it and drain."""
        if self.client is None:
            await self.fake.wait_confirmed(self.fake.push(update))
            return
        headers = {SECRET_HEADER: self.channel.secret or ""}
        async with self.client.post(WEBHOOK_PATH, json=update, headers=headers) as resp:
            assert resp.status == 200
        await self.channel.drain()

    def phone(self, person: Person = SOMSRI) -> Phone:
        """A person chatting with the bot through this harness."""
        return Phone(self.fake, person, self.deliver)

    async def register(self, phone: Phone) -> list[Sent]:
        """Join with a fresh coordinator invite for PTN01 through a /start deep link."""
        code = await make_invite(self.runtime.store)
        return await phone.say(f"/start {code}", expect=2)


@dataclass
class Phone:
    """One person's Telegram app: says things, presses buttons, returns the bot's new messages."""

    fake: FakeTelegram
    person: Person
    deliver: Deliver

    @property
    def chat(self) -> list[Sent]:
        """Everything the bot sent to this person."""
        return self.fake.chats[self.person.id]

    async def send(self, update: dict[str, Any], expect: int = 1) -> list[Sent]:
        """Deliver an update; the bot's messages sent in answer (`expect` is how many)."""
        before = len(self.chat)
        await self.deliver(update, expect)
        return self.chat[before:]

    async def say(self, text: str | None = None, expect: int = 1, **content: Any) -> list[Sent]:
        """Type a message (or send content: photo=…, sticker=…, location=…)."""
        return await self.send(self.fake.message(self.person, text, **content), expect)

    async def press(self, label_part: str, expect: int = 1) -> list[Sent]:
        """Press the newest button whose label contains this."""
        return await self.send(self.fake.press(self.person, label_part), expect)


@pytest.fixture
async def tg(runtime: Runtime, fake: FakeTelegram, mode: str) -> AsyncIterator[Harness]:
    """The channel started as `prasan run` starts it; in webhook mode, with the web app."""
    channel = await start_channel(runtime, True)
    channel.pacer = Pacer(per_chat=1000)  # transcripts at test speed; pacing is tested alone
    runtime.add_channel(channel)
    runtime.services.append(channel)  # the runtime fixture stops it
    client: TestClient[Any, Any] | None = None
    if mode == "webhook":
        client = TestClient(TestServer(build_app(runtime)))
        await client.start_server()
    try:
        yield Harness(runtime, fake, channel, client)
    finally:
        if client is not None:
            await client.close()


def texts(sent: list[Sent]) -> str:
    """All the text of some bot messages."""
    return "\n".join(s.text for s in sent)


async def inbox_count(runtime: Runtime) -> int:
    """How many inbound events were stored."""
    async with runtime.store.tx() as tx:
        return int(await tx.conn.scalar(select(func.count()).select_from(inbox)) or 0)


# --- receive: updates in, Incoming out -----------------------------------------------------

_F = FakeTelegram()
_SMALL = {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 67}
_BIG = {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960}
_MID = {"file_id": "mid", "file_unique_id": "m", "width": 320, "height": 240}
_STICKER = {"file_id": "st", "file_unique_id": "st", "type": "regular", "width": 512,
            "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
_GROUP = {"id": -100123, "type": "supergroup", "title": "ผู้ประสานงานปัตตานี"}
_SAIFUL = Person(5550002, "Saiful", None, "en-US")

PARSE_CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("text", _F.message(SOMSRI, "สวัสดีครับ"),
     {"kind": "text", "text": "สวัสดีครับ", "user_id": "5550001", "display_name": "สมศรี ใจงาม",
      "language_hint": "th"}),
    ("deep link", _F.message(SOMSRI, "/start K7MQ4-XPD9R"), {"text": "/start K7MQ4-XPD9R"}),
    ("button press", _F.callback(SOMSRI, Sent(7, "เมนู", [[("📝", "m:progress")]]), "m:progress"),
     {"kind": "text", "data": "m:progress", "text": None}),
    ("largest photo, caption as text",
     _F.message(SOMSRI, photo=[_SMALL, _BIG, _MID], caption="เวทีวันนี้"),
     {"kind": "photo", "photo": "big", "text": "เวทีวันนี้"}),
    ("image sent as a file", _F.message(SOMSRI, document={"file_id": "doc", "file_unique_id": "d",
                                                          "mime_type": "image/jpeg"}),
     {"kind": "photo", "photo": "doc"}),
    ("location", _F.message(SOMSRI, location={"latitude": 6.8694, "longitude": 101.2501}),
     {"kind": "location", "latitude": 6.8694, "longitude": 101.2501, "text": None}),
    ("venue", _F.message(SOMSRI, location={"latitude": 6.5, "longitude": 101.3},
                         venue={"location": {"latitude": 6.5, "longitude": 101.3},
                                "title": "มัสยิด", "address": "ยะรัง"}),
     {"kind": "location", "latitude": 6.5}),
    ("sticker", _F.message(SOMSRI, sticker=_STICKER), {"kind": "sticker", "text": None}),
    ("voice", _F.message(SOMSRI, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}),
     {"kind": "voice", "text": None}),
    ("video with caption", _F.message(SOMSRI, caption="ดูนี่", video={
        "file_id": "vd", "file_unique_id": "vd", "width": 1, "height": 1, "duration": 9}),
     {"kind": "video", "text": None}),
    ("pdf", _F.message(SOMSRI, document={"file_id": "p", "file_unique_id": "p",
                                         "mime_type": "application/pdf"}),
     {"kind": "file"}),
    ("group command", _F.message(SOMSRI, "/start@prasan_bot", chat=_GROUP),
     {"kind": "group", "user_id": "-100123"}),
    ("group join message", _F.message(SOMSRI, chat=_GROUP, new_chat_members=[SOMSRI.as_api()]),
     None),
    ("blocked the bot", _F.member(SOMSRI, "kicked"), {"kind": "unfollow", "user_id": "5550001"}),
    ("restarted the bot", _F.member(SOMSRI, "member"), None),
    ("service message", _F.message(SOMSRI, message_auto_delete_timer_changed={
        "message_auto_delete_time": 86400}), None),
    ("regional language tag", _F.message(_SAIFUL, "hello"),
     {"language_hint": "en", "display_name": "Saiful"}),
    ("edited message", {"update_id": 9, "edited_message": {
        **_F.message(SOMSRI, "แก้")["message"], "edit_date": 1}}, None),
]  # fmt: skip


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in PARSE_CASES],
                         ids=[c[0] for c in PARSE_CASES])  # fmt: skip
def test_parse_update(raw: dict[str, Any], expected: dict[str, Any] | None) -> None:
    inc = parse_update(Update.de_json(json.loads(json.dumps(raw)), None))
    if expected is None:
        assert inc is None
        return
    assert inc is not None
    assert inc.channel == "telegram"
    assert inc.event_id == str(raw["update_id"])
    assert {k: getattr(inc, k) for k in expected} == expected


# --- send: Outgoing in, Bot API content out ------------------------------------------------

SPLIT_CASES = [
    ("short stays whole", "สวัสดี", 4096, ["สวัสดี"]),
    ("at a line", "a" * 6 + "\n" + "b" * 5, 10, ["a" * 6, "b" * 5]),
    ("at a sentence", "One two. Three four five.", 12, ["One two.", "Three four", "five."]),
    ("at a Thai space", "ประชุมแล้ว ชาวบ้านมา", 14, ["ประชุมแล้ว", "ชาวบ้านมา"]),
    ("hard cut keeps marks", "กี่" * 6, 8, ["กี่กี่", "กี่กี่", "กี่กี่"]),
    ("emoji count double", "😀" * 6, 8, ["😀" * 4, "😀" * 2]),
]


@pytest.mark.parametrize(("text", "limit", "parts"), [c[1:] for c in SPLIT_CASES],
                         ids=[c[0] for c in SPLIT_CASES])  # fmt: skip
def test_split_text(text: str, limit: int, parts: list[str]) -> None:
    assert split_text(text, limit) == parts
    assert all(utf16_len(p) <= limit for p in parts)


LAYOUT_CASES = [
    ("short two a row", ["✅ ส่ง", "✏️ แก้ไข", "✖️ ยกเลิก"], [2, 1]),
    ("long alone", ["📝 รายงานความก้าวหน้า", "⚠️ แจ้งปัญหา", "📋 รายงานของฉัน"], [1, 2]),
    ("long in the middle", ["ใช่", "A much longer label here", "ไม่"], [1, 1, 1]),
    ("none", [], None),
]


@pytest.mark.parametrize(("labels", "rows"), [c[1:] for c in LAYOUT_CASES],
                         ids=[c[0] for c in LAYOUT_CASES])  # fmt: skip
def test_keyboard_layout(labels: list[str], rows: list[int] | None) -> None:
    markup = keyboard(tuple(Button(label, f"d{i}") for i, label in enumerate(labels)))
    got = None if markup is None else [len(row) for row in markup.inline_keyboard]
    assert got == rows


def test_callback_data_fits_64_bytes() -> None:
    assert callback_data("cat:budget") == "cat:budget"
    cut = callback_data("ก" * 40)  # 120 bytes of Thai
    assert len(cut.encode()) <= 64 and cut == "ก" * 21


def test_pressed_message_shows_the_choice() -> None:
    assert with_choice("ส่งไหม?", "✅ ส่ง") == "ส่งไหม?\n\n➡️ ✅ ส่ง"
    assert with_choice("x" * TEXT_LIMIT, "✅ ส่ง") is None  # no room: only the keyboard goes
    assert with_choice(None, "✅ ส่ง") is None


def test_webhook_url_gets_our_path() -> None:
    assert webhook_url("https://bot.example.org") == "https://bot.example.org/webhooks/telegram"
    assert webhook_url("https://bot.example.org/tg/hook") == "https://bot.example.org/tg/hook"


async def test_long_text_is_split_with_buttons_on_the_last_part(tg: Harness) -> None:
    lines = [f"บรรทัดที่ {i}: รายงานความก้าวหน้าของพื้นที่สันติสุขขนาดเล็ก" for i in range(160)]
    text = "\n".join(lines)
    assert 2 * TEXT_LIMIT < len(text) < 3 * TEXT_LIMIT - 100
    await tg.channel.send(str(SOMSRI.id), [Outgoing(text, (Button("✅ ส่ง", "send"),))])
    sent = tg.fake.chats[SOMSRI.id]
    assert len(sent) == 3
    assert all(utf16_len(s.text) <= TEXT_LIMIT for s in sent)
    assert [s.labels for s in sent] == [[], [], ["✅ ส่ง"]]
    assert "\n".join(s.text for s in sent) == text  # cut at line ends: nothing lost


async def test_pacing_lets_a_reply_burst_then_one_message_a_period_per_chat() -> None:
    pacer = Pacer(per_chat=10, burst=3)  # 10/s so the test is quick; the default is 1/s
    loop = asyncio.get_running_loop()
    start = loop.time()
    for chat in (1, 2, 3, 1, 2, 3, 1, 2, 3):  # three chats, a burst each: no waiting
        async with pacer.slot(chat):
            pass
    assert loop.time() - start < 0.05
    for _ in range(3):  # the fourth and later messages to one chat wait their turn
        async with pacer.slot(1):
            pass
    assert loop.time() - start >= 0.25


SEND_ERRORS: list[tuple[str, int, dict[str, Any], type[Exception]]] = [
    ("flood control", 429, {"retry_after": 7}, Throttled),
    ("blocked", 403, {"description": "Forbidden: bot was blocked by the user"}, ContactStopped),
    ("server error", 500, {}, ConnectionFailed),
    ("bad gateway", 502, {}, ConnectionFailed),
    ("chat not found", 400, {"description": "Bad Request: chat not found"}, ConfigError),
    ("token revoked", 401, {"description": "Unauthorized"}, ConfigError),
]


@pytest.mark.parametrize(("status", "extra", "error"), [c[1:] for c in SEND_ERRORS],
                         ids=[c[0] for c in SEND_ERRORS])  # fmt: skip
async def test_send_errors_map_onto_the_shared_vocabulary(
    tg: Harness, status: int, extra: dict[str, Any], error: type[Exception]
) -> None:
    tg.fake.fail("sendMessage", status, **extra)
    with pytest.raises(error) as caught:
        await tg.channel.send(str(SOMSRI.id), [Outgoing("สวัสดี")])
    assert tg.fake.token not in str(caught.value)
    if isinstance(caught.value, Throttled):
        assert caught.value.retry_after == 7


async def test_unreachable_api_is_a_connection_failure(
    runtime: Runtime, settings: Settings, fake: FakeTelegram
) -> None:
    channel = await start_channel(runtime, False)
    try:
        await fake.close()  # the API goes away after start-up
        with pytest.raises(ConnectionFailed):
            await channel.send(str(SOMSRI.id), [Outgoing("สวัสดี")])
    finally:
        await channel.stop()


async def test_a_refused_token_stops_start_up_without_showing_it(runtime: Runtime) -> None:
    runtime.settings = runtime.settings.model_copy(
        update={"TELEGRAM_BOT_TOKEN": SecretStr("999:not-the-right-token")}
    )
    with pytest.raises(ConfigError) as caught:
        await start_channel(runtime, True)
    assert "999:not-the-right-token" not in str(caught.value)


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

    got = await phone.say(sticker=_STICKER, expect=2)  # mid-flow: told what to do, asked again
    assert got[0].text == T("I can only read typed text here. Please type {what}.",
                           what=T("what happened"))  # fmt: skip

    got = await phone.say(REPORT)  # the draft survived the sticker
    assert got[-1].labels[0] == T("✅ Yes, {n}", n=30)
    await phone.press(T("✅ Yes, {n}", n=30))
    got = await phone.say(photo=[_SMALL, _BIG])
    assert T("✅ Done") in got[-1].labels
    got = await phone.press(T("✅ Done"))
    assert T("Participants: {n}", n=30) in texts(got)
    got = await phone.press(T("✅ Send"), expect=2)
    assert "#" in got[0].text

    await phone.press(T("⚠️ Report a problem"))
    got = await phone.say(PROBLEM)
    suggested = got[-1].labels[0]  # the suggestion comes first
    got = await phone.press(suggested)
    got = await phone.press(T("🔴 High"))
    assert T("Severity: {severity}", severity=T("🔴 High")) in texts(got)
    got = await phone.press(T("✅ Send"), expect=2)
    assert got[0].text.startswith("🎫")

    presses = 8
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


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_redelivered_update_is_handled_once(tg: Harness) -> None:
    phone = tg.phone()
    await tg.register(phone)
    update = tg.fake.message(SOMSRI, "/help")
    before = len(phone.chat)
    if tg.client is None:
        tg.fake.push(update)  # both copies arrive in one getUpdates batch
    else:
        await tg.deliver(update)
    await tg.deliver(update)
    assert len(phone.chat) == before + 1
    async with tg.runtime.store.tx() as tx:
        stored = await tx.conn.scalar(
            select(func.count())
            .select_from(inbox)
            .where(inbox.c.event_id == str(update["update_id"]))
        )
    assert stored == 1


@pytest.mark.parametrize("mode", ["webhook"])
async def test_webhook_refuses_a_wrong_secret_and_stores_nothing(tg: Harness) -> None:
    assert tg.client is not None and tg.channel.secret
    async with tg.runtime.store.tx() as tx:
        kept = await tx.kv_get(SECRET_KEY)
    assert kept == tg.channel.secret  # generated once, kept in the database
    assert tg.fake.webhook is not None
    assert tg.fake.webhook["secret_token"] == kept
    assert tg.fake.webhook["url"] == "https://prasan.example.org/webhooks/telegram"
    assert tg.fake.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]

    before = await inbox_count(tg.runtime)
    update = tg.fake.message(SOMSRI, "/start")
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: kept + "x"}):
        async with tg.client.post(WEBHOOK_PATH, json=update, headers=headers) as resp:
            assert resp.status == 403
    async with tg.client.post(WEBHOOK_PATH, data=b"{not json", headers={SECRET_HEADER: kept}) as r:
        assert r.status == 400
    await tg.channel.drain()
    assert await inbox_count(tg.runtime) == before
    assert tg.fake.called("sendMessage") == []


async def test_polling_start_up_clears_the_webhook_and_sets_the_command_menu(tg: Harness) -> None:
    await tg.fake.wait_for(lambda: bool(tg.fake.called("getUpdates")))
    assert tg.fake.called("deleteWebhook") and tg.fake.called("setWebhook") == []
    assert tg.fake.called("getUpdates")[0]["allowed_updates"] == [
        "message", "callback_query", "my_chat_member"]  # fmt: skip
    menus = {c.get("language_code"): c["commands"] for c in tg.fake.called("setMyCommands")}
    assert set(menus) == {"th", "en", "ms", None}
    assert [c["command"] for c in menus["en"]] == [
        "start", "report", "problem", "myreports", "help", "language", "cancel"]  # fmt: skip
    assert menus[None] == menus["th"]  # the default is the programme's language
    assert menus["th"][1]["description"] == "📝 รายงานความก้าวหน้า"


async def test_polling_waits_out_a_refused_get_updates(tg: Harness) -> None:
    await tg.fake.wait_for(lambda: bool(tg.fake.called("getUpdates")))
    tg.fake.fail("getUpdates", 429, retry_after=1)  # the poll after the next update is refused
    loop = asyncio.get_running_loop()
    start = loop.time()
    phone = tg.phone()
    assert await phone.say("/start")  # answered; confirmed only by the poll a second later
    assert loop.time() - start >= 1
    assert await phone.say("/start")  # and polling goes on


async def test_throttled_reply_is_sent_later_without_repeating_what_went_out(tg: Harness) -> None:
    phone = tg.phone()
    tg.fake.fail("sendMessage", 429, after=1, retry_after=1)  # the welcome goes, the menu waits
    got = await tg.register(phone)
    assert len(got) == 1
    async with tg.runtime.store.tx() as tx:
        (row,) = await tx.outbox_rows()
    assert row["status"] == "pending" and "retry after 1" in row["last_error"]

    assert await tg.runtime.sender.deliver() == 0  # not due yet
    await asyncio.sleep(1.1)
    assert await tg.runtime.sender.deliver() == 1
    await tg.runtime.sender.flush()
    assert len(phone.chat) == 2 and T("📝 Report progress") in phone.chat[-1].labels
    async with tg.runtime.store.tx() as tx:
        assert [r["status"] for r in await tx.outbox_rows()] == ["sent"]


async def test_a_user_who_blocked_the_bot_gets_nothing_more(tg: Harness) -> None:
    phone = tg.phone()
    await tg.register(phone)
    async with tg.runtime.store.tx() as tx:  # a meeting notice waits for them
        await tx.enqueue("telegram", str(SOMSRI.id), dump_messages([Outgoing("ประชุม")]),
                         "notice:1", not_before=utcnow() + timedelta(seconds=1))  # fmt: skip
    tg.fake.fail("sendMessage", 403, times=5, description="Forbidden: bot was blocked by the user")
    before = len(phone.chat)
    await phone.say("/help")

    async with tg.runtime.store.tx() as tx:
        identity = await tx.identity("telegram", str(SOMSRI.id))
        statuses = [r["status"] for r in await tx.outbox_rows()]
    assert identity is not None and not identity.active
    assert statuses[-2:] == ["blocked", "blocked"]  # the reply and the waiting notice
    await asyncio.sleep(1.1)
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
    update = tg.fake.message(SOMSRI, "/start@prasan_bot", chat=_GROUP)
    await tg.deliver(update)
    (sent,) = tg.fake.chats[_GROUP["id"]]
    assert sent.text == T("🙏 I only work in one-to-one chats. Please message me directly.")


async def test_a_photo_with_buttons_loses_its_keyboard_when_pressed(tg: Harness) -> None:
    chart = Outgoing("📊 สรุปสัปดาห์นี้", (Button("❓ ช่วยเหลือ", "m:help"),), "https://x.test/c.png")
    await tg.channel.send(str(SOMSRI.id), [chart])
    (sent,) = tg.fake.chats[SOMSRI.id]
    assert sent.photo == "https://x.test/c.png" and sent.text == "📊 สรุปสัปดาห์นี้"
    await tg.phone().press("ช่วยเหลือ")
    assert tg.fake.called("editMessageReplyMarkup") and sent.keyboard == []
    assert sent.text == "📊 สรุปสัปดาห์นี้"  # a caption is left as it was


async def test_photos_kept_by_reference_can_be_downloaded(tg: Harness) -> None:
    tg.fake.files["photos/big.jpg"] = b"\xff\xd8jpeg"
    assert await tg.channel.download("big") == b"\xff\xd8jpeg"


# --- end to end: `prasan run` / `prasan web` as a process ----------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def env(tmp_path: Path, fake: FakeTelegram) -> dict[str, str]:
    """A clean environment for the CLI: tmp SQLite, the fake Bot API, a free port."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    return keep | {
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
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
