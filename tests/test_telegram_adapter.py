"""The Telegram adapter: parsing updates, rendering and splitting messages, pacing, errors.

Through the real python-telegram-bot, against a fake Bot API server (tests/telegram_support.py).
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from pydantic import SecretStr
from telegram import Update

from bot.channels.errors import ConfigError, ConnectionFailed, ContactStopped, Throttled
from bot.channels.telegram import start_channel, webhook_url
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
from bot.messages import Button, Outgoing
from bot.runtime import Runtime
from tests.fake_telegram import FakeTelegram, Person, Sent
from tests.telegram_support import BIG, GROUP, SMALL, SOMSRI, STICKER, Harness

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.telegram_support import fake as fake
from tests.telegram_support import mode as mode
from tests.telegram_support import settings as settings
from tests.telegram_support import tg as tg

# --- receive: updates in, Incoming out -----------------------------------------------------

_F = FakeTelegram()
_MID = {"file_id": "mid", "file_unique_id": "m", "width": 320, "height": 240}
_SAIFUL = Person(5550002, "Saiful", None, "en-US")

PARSE_CASES: list[tuple[str, dict[str, Any], dict[str, Any] | None]] = [
    ("text", _F.message(SOMSRI, "สวัสดีครับ"),
     {"kind": "text", "text": "สวัสดีครับ", "user_id": "5550001", "display_name": "สมศรี ใจงาม",
      "language_hint": "th"}),
    ("deep link", _F.message(SOMSRI, "/start K7MQ4-XPD9R"), {"text": "/start K7MQ4-XPD9R"}),
    ("button press", _F.callback(SOMSRI, Sent(7, "เมนู", [[("📝", "m:progress")]]), "m:progress"),
     {"kind": "text", "data": "m:progress", "text": None}),
    ("largest photo, caption as text",
     _F.message(SOMSRI, photo=[SMALL, BIG, _MID], caption="เวทีวันนี้"),
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
    ("sticker", _F.message(SOMSRI, sticker=STICKER), {"kind": "sticker", "text": None}),
    ("voice", _F.message(SOMSRI, voice={"file_id": "v", "file_unique_id": "v", "duration": 3}),
     {"kind": "voice", "text": None}),
    ("video with caption", _F.message(SOMSRI, caption="ดูนี่", video={
        "file_id": "vd", "file_unique_id": "vd", "width": 1, "height": 1, "duration": 9}),
     {"kind": "video", "text": None}),
    ("pdf", _F.message(SOMSRI, document={"file_id": "p", "file_unique_id": "p",
                                         "mime_type": "application/pdf"}),
     {"kind": "file"}),
    ("group command", _F.message(SOMSRI, "/start@prasan_bot", chat=GROUP),
     {"kind": "group", "user_id": "-100123"}),
    ("group join message", _F.message(SOMSRI, chat=GROUP, new_chat_members=[SOMSRI.as_api()]),
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
    pacer = Pacer(overall=10_000, per_chat=10, burst=3)  # 10/s so the test is quick (default 1/s)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for chat in (1, 2, 3, 1, 2, 3, 1, 2, 3):  # three chats, a burst each: no waiting
        async with pacer.slot(chat):
            pass
    assert loop.time() - start < 0.2  # no per-chat wait (that would be ≥ 0.1 s a message)
    for _ in range(3):  # the fourth and later messages to one chat wait their turn
        async with pacer.slot(1):
            pass
    assert loop.time() - start >= 0.25


async def test_pacing_overall_never_lets_more_than_30_go_in_any_second() -> None:
    pacer = Pacer()  # the defaults: evenly spaced, a little under 30 a second
    loop = asyncio.get_running_loop()
    times = []
    for chat in range(40):  # forty different chats: only the overall limit applies
        async with pacer.slot(chat):
            times.append(loop.time())
    # Not a burst of 30 and then 30 a second (a token bucket's 60 in the first second).
    assert all(later - first >= 1.0 for first, later in zip(times, times[30:], strict=False))


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


# --- photos: a pressed photo keeps its caption, files kept by reference --------------------


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
