"""The LINE channel against a fake LINE API spoken to by the real line-bot-sdk over HTTP."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from linebot.v3.webhook import WebhookParser
from pydantic import SecretStr
from sqlalchemy import func, select, update

from bot.channels.errors import (
    AlreadyDelivered,
    ConfigError,
    ConnectionFailed,
    ReplyTokenInvalid,
    Throttled,
)
from bot.channels.line import WEBHOOK_PATH, ContentTooLarge, LineChannel, start_channel
from bot.channels.line_errors import part_key, translate
from bot.channels.line_parse import parse_event
from bot.channels.line_render import calls, render, split_text, utf16_len
from bot.messages import Button, Outgoing, dump_messages
from bot.runtime import Runtime
from bot.web import build_app
from storage.schema import inbox, outbox, reports
from storage.store import utcnow
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine, sign
from tests.helpers import make_invite

# ---- parse: webhook event → Incoming ------------------------------------------------------

GROUP = {"type": "group", "groupId": "Cgroup0001", "userId": "Umember01"}
ROOM = {"type": "room", "roomId": "Rroom0001", "userId": "Umember01"}
LOCATION = {"id": "m1", "type": "location", "latitude": 6.8696, "longitude": 101.2501,
            "address": "ปัตตานี"}  # fmt: skip
STICKER = {"id": "m2", "type": "sticker", "packageId": "446", "stickerId": "1988",
           "stickerResourceType": "STATIC", "quoteToken": "q"}  # fmt: skip
AUDIO = {"id": "m3", "type": "audio", "duration": 6000, "contentProvider": {"type": "line"}}

PARSE_CASES = [
    ("text", fl.text_event("U1", "สวัสดีค่ะ", "rt1"), {"text": "สวัสดีค่ะ", "kind": "text"}),
    ("postback", fl.postback_event("U1", "m:progress", "rt1"), {"data": "m:progress"}),
    ("follow", fl.follow_event("U1", "rt1"), {"kind": "follow"}),
    ("unfollow", fl.event("U1", kind="unfollow"), {"kind": "unfollow", "reply_token": None}),
    ("image", fl.image_event("U1", "4711", "rt1"), {"kind": "photo", "photo": "4711"}),
    ("location", fl.event("U1", "rt1", message=LOCATION),
     {"kind": "location", "latitude": 6.8696, "longitude": 101.2501, "text": None}),
    ("sticker", fl.event("U1", "rt1", message=STICKER), {"kind": "sticker"}),
    ("audio", fl.event("U1", "rt1", message=AUDIO), {"kind": "voice"}),
    ("group message", fl.text_event("U1", "hi", "rt1", source=GROUP),
     {"kind": "group", "user_id": "Cgroup0001", "text": None}),
    ("room message", fl.text_event("U1", "hi", "rt1", source=ROOM),
     {"kind": "group", "user_id": "Rroom0001"}),
    ("bot joined a group", fl.event("U1", "rt1", kind="join", source=GROUP),
     {"kind": "group", "user_id": "Cgroup0001"}),
]  # fmt: skip
IGNORED_CASES = [
    ("standby mode", {**fl.text_event("U1", "hi"), "mode": "standby"}),
    ("unsend", fl.event("U1", kind="unsend", unsend={"messageId": "m1"})),
    ("unknown event type", fl.event("U1", kind="somethingNew")),
    ("no source", {k: v for k, v in fl.follow_event("U1", "rt1").items() if k != "source"}),
]


def _parsed(event: dict[str, Any]) -> Any:
    raw = fl.body(event)
    return WebhookParser(SECRET).parse(raw.decode(), sign(raw))[0]


@pytest.mark.parametrize(
    ("label", "event", "expected"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES]
)
def test_parse(label: str, event: dict[str, Any], expected: dict[str, Any]) -> None:
    inc = parse_event(_parsed(event))
    assert inc is not None
    want = {"channel": "line", "user_id": "U1", "event_id": event["webhookEventId"],
            "reply_token": event.get("replyToken"), **expected}  # fmt: skip
    assert {k: getattr(inc, k) for k in want} == want
    assert inc.received_at == pytest.approx(event["timestamp"] / 1000)


@pytest.mark.parametrize(("label", "event"), IGNORED_CASES, ids=[c[0] for c in IGNORED_CASES])
def test_parse_ignores(label: str, event: dict[str, Any]) -> None:
    assert parse_event(_parsed(event)) is None


# ---- render: Outgoing → message objects and calls ------------------------------------------

YES, NO = Button("✅ ใช่", "yes"), Button("✖️ ยกเลิก", "cancel")
LONG = Button("📝 รายงานความก้าวหน้า", "m:progress")  # 21 UTF-16 units: one too many


def _qr(*buttons: tuple[str, str, str]) -> dict[str, Any]:
    return {"items": [{"type": "action", "action": {"type": "postback", "label": label,
            "data": data, "displayText": shown}} for label, data, shown in buttons]}  # fmt: skip


RENDER_CASES = [
    ("plain text", [Outgoing("สวัสดี")], [[{"type": "text", "text": "สวัสดี"}]]),
    ("buttons become a quick reply with postbacks",
     [Outgoing("ยืนยัน?", (YES, NO))],
     [[{"type": "text", "text": "ยืนยัน?",
        "quickReply": _qr(("✅ ใช่", "yes", "✅ ใช่"), ("✖️ ยกเลิก", "cancel", "✖️ ยกเลิก"))}]]),
    ("a long label is cut to 20 with an ellipsis; the chat shows it whole",
     [Outgoing("เมนู", (LONG,))],
     [[{"type": "text", "text": "เมนู",
        "quickReply": _qr(("📝 รายงานความก้าวหน…", "m:progress", "📝 รายงานความก้าวหน้า"))}]]),
    ("the quick reply goes on the last message",
     [Outgoing("บันทึกแล้ว"), Outgoing("เลือก", (YES,))],
     [[{"type": "text", "text": "บันทึกแล้ว"},
       {"type": "text", "text": "เลือก", "quickReply": _qr(("✅ ใช่", "yes", "✅ ใช่"))}]]),
    ("an https image", [Outgoing("รูป", image_url="https://example.org/a.jpg")],
     [[{"type": "text", "text": "รูป"}, {"type": "image",
       "originalContentUrl": "https://example.org/a.jpg",
       "previewImageUrl": "https://example.org/a.jpg"}]]),
    ("an http image goes as a link", [Outgoing("รูป", image_url="http://example.org/a.jpg")],
     [[{"type": "text", "text": "รูป"}, {"type": "text", "text": "🖼️ http://example.org/a.jpg"}]]),
    ("seven messages make two calls", [Outgoing(str(i)) for i in range(7)],
     [[{"type": "text", "text": str(i)} for i in range(5)],
      [{"type": "text", "text": str(i)} for i in (5, 6)]]),
]  # fmt: skip


@pytest.mark.parametrize(("label", "messages", "expected"), RENDER_CASES,
                         ids=[c[0] for c in RENDER_CASES])  # fmt: skip
def test_render(label: str, messages: list[Outgoing], expected: list[list[Any]]) -> None:
    assert calls(render(messages)) == expected


def test_more_than_13_buttons_become_a_button_card() -> None:
    buttons = tuple(Button(f"พื้นที่ {i}", f"area:{i}") for i in range(15))
    objects = render([Outgoing("📍 เลือกพื้นที่\nกด 1 ปุ่ม", buttons)])
    assert [o["type"] for o in objects] == ["text", "flex"]
    assert "quickReply" not in objects[0]
    card = objects[1]
    assert card["altText"] == "📍 เลือกพื้นที่"
    actions = [c["action"] for c in card["contents"]["body"]["contents"]]
    assert [a["data"] for a in actions] == [f"area:{i}" for i in range(15)]


SPLIT_CASES = [
    ("short", "ก" * 10, [10]),
    ("exactly the limit", "ก" * 5000, [5000]),
    ("at a line break", "ก" * 4000 + "\n" + "ข" * 3000, [4000, 3000]),
    ("hard cut", "ก" * 12000, [5000, 5000, 2000]),
    ("emoji count two", "😀" * 2600, [5000, 200]),  # in UTF-16 units
]


@pytest.mark.parametrize(("label", "text", "sizes"), SPLIT_CASES, ids=[c[0] for c in SPLIT_CASES])
def test_split_text(label: str, text: str, sizes: list[int]) -> None:
    chunks = split_text(text)
    assert [utf16_len(c) for c in chunks] == sizes
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_split_keeps_thai_marks_with_their_consonant() -> None:
    text = "ก" * 4999 + "ที่" + "ก" * 10  # the cut would fall between ท and its vowel
    chunks = split_text(text)
    assert chunks[0].endswith("ก") and chunks[1].startswith("ที่")


# ---- errors: LINE answers → the channel vocabulary -----------------------------------------

ERROR_CASES = [
    ("invalid reply token", 400, '{"message":"Invalid reply token"}', {}, ReplyTokenInvalid),
    ("throttled with Retry-After", 429, '{"message":"Too Many Requests"}', {"Retry-After": "7"},
     Throttled),
    ("throttled without", 429, '{"message":"Too Many Requests"}', {}, Throttled),
    ("monthly quota", 429, '{"message":"You have reached your monthly limit."}', {}, Throttled),
    ("retry key accepted", 409, '{"message":"The retry key is already accepted"}', {},
     AlreadyDelivered),
    ("server error", 500, '{"message":"Internal error"}', {}, ConnectionFailed),
    ("bad token", 401, '{"message":"Authentication failed"}', {}, ConfigError),
    ("forbidden", 403, '{"message":"Access to this API is not available"}', {}, ConfigError),
    ("no such user", 400, '{"message":"Failed to send messages"}', {}, ConfigError),
    ("not json", 502, "<html>bad gateway</html>", {}, ConnectionFailed),
]  # fmt: skip


@pytest.mark.parametrize(("label", "status", "body", "headers", "kind"), ERROR_CASES,
                         ids=[c[0] for c in ERROR_CASES])  # fmt: skip
def test_translate(label: str, status: int, body: str, headers: dict[str, str], kind: type) -> None:
    assert type(translate(status, body, headers)) is kind


def test_throttle_waits() -> None:
    assert translate(429, "{}", {"Retry-After": "7"}).retry_after == 7  # type: ignore[attr-defined]
    assert translate(429, "{}", {}).retry_after == 30  # type: ignore[attr-defined]
    monthly = translate(429, '{"message":"You have reached your monthly limit."}')
    assert monthly.retry_after >= 3600  # type: ignore[attr-defined]


def test_part_keys_are_stable_uuids() -> None:
    key = "123e4567-e89b-12d3-a456-426614174000"
    assert part_key(key, 0) == key
    assert part_key(key, 1) == part_key(key, 1) != part_key(key, 2)
    assert part_key(None, 3) is None
    assert len(part_key("not-a-uuid", 0) or "") == 36


# ---- fixtures: the channel wired into a runtime, the fake LINE, the web server -------------


@pytest.fixture
async def fake() -> AsyncIterator[FakeLine]:
    """A fake LINE platform on two local ports."""
    server = await FakeLine().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def line(runtime: Runtime, fake: FakeLine) -> LineChannel:
    """The LINE channel, configured as `prasan run` would, pointed at the fake."""
    runtime.settings = runtime.settings.model_copy(update={
        "LINE_CHANNEL_SECRET": SecretStr(SECRET), "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN),
        "LINE_API_URL": fake.api_url, "LINE_DATA_API_URL": fake.data_url,
    })  # fmt: skip
    channel = await start_channel(runtime, True)
    runtime.add_channel(channel)
    runtime.services.append(channel)  # runtime.close() stops it
    return channel


@pytest.fixture
async def base_url(runtime: Runtime, line: LineChannel) -> AsyncIterator[str]:
    """The shared web app (bot.web) serving the webhook on a local port."""
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for posting webhooks."""
    async with aiohttp.ClientSession() as s:
        yield s


@dataclass
class Phone:
    """One LINE user: posts signed webhook events, reads what the bot sent back."""

    session: aiohttp.ClientSession
    base_url: str
    fake: FakeLine
    user: str
    settle: Callable[[Phone, int], Awaitable[None]]
    seen: int = 0
    last: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, *events: dict[str, Any], signature: str | None = None) -> int:
        """Post a webhook body; returns the HTTP status."""
        raw = fl.body(*events)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature != "":
            headers["X-Line-Signature"] = sign(raw) if signature is None else signature
        async with self.session.post(self.base_url + WEBHOOK_PATH, data=raw,
                                     headers=headers) as resp:  # fmt: skip
            return resp.status

    async def send(self, event: dict[str, Any]) -> str:
        """Post one event and wait for the answer; returns the bot's new texts."""
        assert await self.post(event) == 200
        await self.settle(self, self.seen)
        self.last = self.fake.messages_to(self.user)[self.seen :]
        self.seen += len(self.last)
        return "\n".join(m["text"] for m in self.last if m.get("type") == "text")

    async def say(self, text: str) -> str:
        """Type a message."""
        return await self.send(fl.text_event(self.user, text, self.fake.reply_token(self.user)))

    async def press(self, label_part: str) -> str:
        """Press the quick reply whose label contains `label_part`."""
        action = self.fake.find_button(self.user, label_part)
        token = self.fake.reply_token(self.user)
        return await self.send(fl.postback_event(self.user, action["data"], token))


@pytest.fixture
def phone(
    session: aiohttp.ClientSession, base_url: str, fake: FakeLine, line: LineChannel
) -> Callable[[str], Phone]:
    """Make a LINE user talking to the in-process bot."""

    async def settle(_phone: Phone, _seen: int) -> None:
        await line.drain()

    return lambda user: Phone(session, base_url, fake, user, settle)


async def _count(runtime: Runtime, table: Any) -> int:
    async with runtime.store.tx() as tx:
        return int((await tx.conn.execute(select(func.count()).select_from(table))).scalar_one())


async def _registered(runtime: Runtime, p: Phone) -> None:
    assert "🎉" in await p.say(await make_invite(runtime.store))


async def _person_id(runtime: Runtime, user: str) -> int:
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", user)
    assert ident is not None and ident.person_id is not None
    return ident.person_id


# ---- the flows, over signed webhooks ----------------------------------------------------------


async def test_coordinator_registers_reports_progress_and_a_problem(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Ucoordinator0001")
    assert "รหัสเชิญ" in await p.send(fl.follow_event(p.user, fake.reply_token(p.user)))
    welcome = await p.say(await make_invite(runtime.store))
    assert "🎉" in welcome
    assert all(utf16_len(a["label"]) <= 20 for a in fake.quick_replies(p.user))

    assert "เกิดอะไรขึ้น" in await p.press("รายงานความก้าว")
    assert "30" in await p.say("จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน")
    await p.press("ใช่")
    summary = await p.press("ข้าม")
    assert "บ้านบางปู" in summary
    saved = await p.press("ส่ง")
    assert "#" in saved

    assert "ปัญหา" in await p.press("แจ้งปัญหา")
    await p.say("งบประมาณจัดเวทีล่าช้า ยังไม่ได้รับเงินโอนจากอำเภอ ชาวบ้านรอนานแล้ว")
    await p.press(fake.quick_replies(p.user)[0]["label"])  # the suggested category
    await p.press("สูง")
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
    await _registered(runtime, p)
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
    await _registered(runtime, p)
    fake.contents["468789577898262530"] = (b"\xff\xd8jpeg" * 100, "image/jpeg")
    await p.send(fl.image_event(p.user, "468789577898262530", fake.reply_token(p.user)))
    person_id = await _person_id(runtime, p.user)
    async with runtime.store.tx() as tx:
        conv = await tx.conversation(person_id)
    assert conv is not None and conv.data["photos"] == ["line:468789577898262530"]

    assert await line.fetch_content("468789577898262530", 1_000_000) == b"\xff\xd8jpeg" * 100
    assert fake.calls_to("/content")[-1].headers["Authorization"] == f"Bearer {TOKEN}"
    with pytest.raises(ContentTooLarge):
        await line.fetch_content("468789577898262530", 100)
    with pytest.raises(ConfigError):
        await line.fetch_content("999", 1_000_000)


# ---- the webhook: signatures, redelivery, answering before processing ------------------------

BAD_SIGNATURES = [
    ("missing", ""),
    ("garbage", "bm90LWEtc2lnbmF0dXJl"),
    ("signed with another secret", "other"),
]


@pytest.mark.parametrize(("label", "signature"), BAD_SIGNATURES, ids=[c[0] for c in BAD_SIGNATURES])
async def test_bad_signature_is_refused_and_nothing_is_stored(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine, label: str, signature: str
) -> None:
    p = phone("Uattacker0001")
    event = fl.text_event(p.user, "hello", fake.reply_token(p.user))
    if signature == "other":
        signature = sign(fl.body(event), "another-secret")
    assert await p.post(event, signature=signature) == 400
    assert await _count(runtime, inbox) == 0
    assert fake.calls == []


BAD_BODIES = [
    ("not json", b'{"events": [ not json'),
    ("no events", b'{"destination": "U0"}'),
    ("events not a list", b'{"events": {"type": "message"}}'),
    ("a list, not an object", b"[1, 2]"),
    ("not UTF-8", b'{"events": ["\xff"]}'),
]


@pytest.mark.parametrize(("label", "raw"), BAD_BODIES, ids=[c[0] for c in BAD_BODIES])
async def test_a_bad_body_with_a_good_signature_is_refused(
    runtime: Runtime, session: aiohttp.ClientSession, base_url: str, label: str, raw: bytes
) -> None:
    headers = {"X-Line-Signature": sign(raw)}
    async with session.post(base_url + WEBHOOK_PATH, data=raw, headers=headers) as resp:
        assert resp.status == 400
    assert await _count(runtime, inbox) == 0


async def test_an_empty_event_list_is_ok(runtime: Runtime, phone: Callable[[str], Phone]) -> None:
    # LINE's "Verify" button in the console sends a signed body with no events.
    assert await phone("U0").post() == 200
    assert await _count(runtime, inbox) == 0


async def test_a_redelivered_event_is_processed_once(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Uredelivery001")
    first = fl.follow_event(p.user, fake.reply_token(p.user))
    assert "รหัสเชิญ" in await p.send(first)
    again = {**first, "replyToken": fake.reply_token(p.user),
             "deliveryContext": {"isRedelivery": True}}  # fmt: skip
    assert await p.send(again) == ""
    assert await _count(runtime, inbox) == 1
    assert len(fake.calls_to("/reply")) == 1


async def test_events_are_stored_before_200_and_survive_a_crash(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine, line: LineChannel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    gate = asyncio.Event()
    process = runtime.inbound.process

    async def held(*args: Any, **kw: Any) -> list[int]:
        await gate.wait()
        return await process(*args, **kw)

    monkeypatch.setattr(runtime.inbound, "process", held)
    p = phone("Ucrash0001")
    assert await p.post(fl.follow_event(p.user, fake.reply_token(p.user))) == 200
    async with runtime.store.tx() as tx:
        pending = await tx.inbox_pending()
    assert len(pending) == 1  # answered 200 with the event safe and not yet processed
    for task in list(line._tasks):  # the process dies right after answering
        task.cancel()
    await line.drain()
    assert fake.messages_to(p.user) == []

    monkeypatch.setattr(runtime.inbound, "process", process)
    assert await runtime.inbound.recover() == 1  # the next start-up
    assert "รหัสเชิญ" in fake.texts(p.user)[0]


async def test_one_users_events_keep_their_order_across_requests(
    runtime: Runtime, phone: Callable[[str], Phone], line: LineChannel,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    order: list[str | None] = []
    slow = asyncio.Event()
    process = runtime.inbound.process

    async def recorded(inc: Any, inbox_id: int | None = None) -> list[int]:
        if inc.user_id == "Uslow0001":
            await slow.wait()
        order.append(inc.text)
        return await process(inc, inbox_id)

    monkeypatch.setattr(runtime.inbound, "process", recorded)
    p = phone("Uslow0001")
    assert await p.post(fl.text_event("Uslow0001", "a1"), fl.text_event("Ufast0001", "b1")) == 200
    assert await p.post(fl.text_event("Ufast0001", "b2")) == 200
    for _ in range(200):  # the other user is not held up by the slow one
        if len(order) == 2:
            break
        await asyncio.sleep(0.01)
    slow.set()
    await line.drain()
    assert order == ["b1", "b2", "a1"]


# ---- sending: reply token, push fallback, retry keys, limits ---------------------------------


async def test_expired_reply_token_falls_back_to_a_push_with_the_retry_key(
    line: LineChannel, fake: FakeLine
) -> None:
    token = fake.reply_token("Ulate0001")
    fake.expire(token)
    key = "123e4567-e89b-12d3-a456-426614174000"
    await line.send("Ulate0001", [Outgoing("ขอบคุณค่ะ")], reply_token=token, retry_key=key)
    reply, push = fake.calls
    assert (reply.path, reply.status) == ("/v2/bot/message/reply", 400)
    assert (push.path, push.status) == ("/v2/bot/message/push", 200)
    assert push.body["to"] == "Ulate0001" and push.headers["X-Line-Retry-Key"] == key
    assert fake.texts("Ulate0001") == ["ขอบคุณค่ะ"]


async def test_a_used_reply_token_falls_back_to_a_push(line: LineChannel, fake: FakeLine) -> None:
    token = fake.reply_token("Uused0001")
    await line.send("Uused0001", [Outgoing("หนึ่ง")], reply_token=token)
    await line.send("Uused0001", [Outgoing("สอง")], reply_token=token, retry_key=None)
    assert fake.texts("Uused0001") == ["หนึ่ง", "สอง"]
    assert [c.status for c in fake.calls] == [200, 400, 200]


async def test_a_repeated_retry_key_counts_as_delivered(line: LineChannel, fake: FakeLine) -> None:
    key = "9b2f1c1e-5d0a-4b8e-a1f0-0c7d3e9a4b21"
    await line.send("Uonce0001", [Outgoing("ประชุมพรุ่งนี้")], retry_key=key)
    await line.send("Uonce0001", [Outgoing("ประชุมพรุ่งนี้")], retry_key=key)
    assert [c.status for c in fake.calls] == [200, 409]
    assert fake.texts("Uonce0001") == ["ประชุมพรุ่งนี้"]


SEND_ERRORS = [
    ("throttled", 429, Throttled),
    ("server error", 500, ConnectionFailed),
    ("unauthorised", 401, ConfigError),
    ("forbidden", 403, ConfigError),
]


@pytest.mark.parametrize(("label", "status", "kind"), SEND_ERRORS, ids=[c[0] for c in SEND_ERRORS])
async def test_send_errors(
    line: LineChannel, fake: FakeLine, label: str, status: int, kind: type
) -> None:
    fake.fail_next(status)
    with pytest.raises(kind):
        await line.send("Uerr0001", [Outgoing("x")], retry_key=str(uuid.uuid4()))
    assert fake.messages_to("Uerr0001") == []


async def test_unreachable_line_is_a_connection_failure(runtime: Runtime) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{s.getsockname()[1]}"
    channel = LineChannel(runtime.inbound, secret=SECRET, token=TOKEN, api_url=dead, data_url=dead)
    try:
        with pytest.raises(ConnectionFailed):
            await channel.send("U1", [Outgoing("x")])
    finally:
        await channel.stop()


async def test_long_text_is_split(line: LineChannel, fake: FakeLine) -> None:
    text = ("รายงานยาว " * 1200).strip()  # 11,999 characters
    await line.send("Ulong0001", [Outgoing(text, (YES,))])
    (push,) = fake.calls_to("/push")
    sizes = [utf16_len(m["text"]) for m in push.body["messages"]]
    assert len(sizes) == 3 and max(sizes) <= 5000
    assert "quickReply" in push.body["messages"][-1]


async def test_more_than_five_messages_go_in_several_calls_and_retry_without_duplicates(
    line: LineChannel, fake: FakeLine
) -> None:
    messages = [Outgoing(f"ข้อความ {i}") for i in range(6)] + [Outgoing("เลือก", (YES, NO))]
    key = "0f8e7d6c-5b4a-4392-8172-6a5b4c3d2e1f"
    fake.fail_next(500, after=1)  # the second call fails
    with pytest.raises(ConnectionFailed):
        await line.send("Umany0001", messages, retry_key=key)
    await line.send("Umany0001", messages, retry_key=key)  # the outbox retries the same row
    pushes = fake.calls_to("/push")
    assert [(len(c.body["messages"]), c.status) for c in pushes] == [(5, 200), (2, 500),
                                                                     (5, 409), (2, 200)]  # fmt: skip
    assert pushes[0].headers["X-Line-Retry-Key"] == key
    assert pushes[1].headers["X-Line-Retry-Key"] == pushes[3].headers["X-Line-Retry-Key"] != key
    assert len(fake.messages_to("Umany0001")) == 7
    assert "quickReply" in fake.messages_to("Umany0001")[-1]


async def test_multicast_500_a_call_with_retry_keys(line: LineChannel, fake: FakeLine) -> None:
    users = [f"U{i:032d}" for i in range(600)]
    key = "5a1e3c2b-7d4f-4e6a-9b8c-1d2e3f4a5b6c"
    await line.multicast(users, [Outgoing("📅 ประชุมวันที่ 21 พฤศจิกายน 2569")], retry_key=key)
    await line.multicast(users, [Outgoing("📅 ประชุมวันที่ 21 พฤศจิกายน 2569")], retry_key=key)
    sent = fake.calls_to("/multicast")
    assert [(len(c.body["to"]), c.status) for c in sent] == [(500, 200), (100, 200),
                                                             (500, 409), (100, 409)]  # fmt: skip
    assert all(len(fake.messages_to(u)) == 1 for u in users)


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
    assert row["status"] == "pending" and row["reply_token"] is None
    assert row["next_attempt_at"] >= before + timedelta(seconds=6)

    async with runtime.store.tx() as tx:  # time passes
        await tx.conn.execute(
            update(outbox).values(next_attempt_at=utcnow() - timedelta(seconds=1))
        )
    assert await runtime.sender.deliver() == 1
    await runtime.sender.flush()  # sends are acknowledged in batches
    push = fake.calls_to("/push")[-1]
    assert push.headers["X-Line-Retry-Key"] == row["retry_key"]
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _prasan(env: dict[str, str], cwd: Path, *args: str) -> str:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_prasan_run_serves_a_coordinator_end_to_end(
    tmp_path: Path, fake: FakeLine, session: aiohttp.ClientSession
) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_", "DATABASE_URL", "PORT"))}  # fmt: skip
    port = _free_port()
    env |= {
        "PYTHAINLP_OFFLINE": "1",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.db'}",
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": fake.api_url, "LINE_DATA_API_URL": fake.data_url, "PORT": str(port),
    }  # fmt: skip
    await _prasan(env, tmp_path, "demo")
    code = await _prasan(env, tmp_path, "invite", "--role", "coordinator", "--area", "PTN01")
    code = code.strip().splitlines()[-1]

    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        await _wait_healthy(session, base, proc)

        async def settle(p: Phone, seen: int) -> None:
            deadline = time.monotonic() + 20
            while len(fake.messages_to(p.user)) <= seen:
                assert time.monotonic() < deadline, "no answer from the bot"
                await asyncio.sleep(0.05)

        p = Phone(session, base, fake, "Ue2ecoordinator01", settle)
        assert "รหัสเชิญ" in await p.send(fl.follow_event(p.user, fake.reply_token(p.user)))
        assert "🎉" in await p.say(code)
        assert "เกิดอะไรขึ้น" in await p.press("รายงานความก้าว")
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
        _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 0, err.decode()
    log = err.decode()
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
