"""The LINE adapter: parsing webhook events, rendering messages, mapping errors, sending.

Against a fake LINE API spoken to by the real line-bot-sdk over HTTP (tests/line_support.py).
"""

from __future__ import annotations

import socket
import uuid
from typing import Any

import pytest
from linebot.v3.webhook import WebhookParser

from bot.channels.errors import (
    AlreadyDelivered,
    ConfigError,
    ConnectionFailed,
    ReplyTokenInvalid,
    Throttled,
)
from bot.channels.line import LineChannel, _config, checked_for_line
from bot.channels.line_errors import part_key, translate
from bot.channels.line_parse import parse_event
from bot.channels.line_render import calls, render, split_text, utf16_len
from bot.messages import Button, Outgoing, dump_messages
from bot.runtime import Runtime
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine, sign
from tests.line_support import GROUP

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.line_support import fake as fake
from tests.line_support import line as line

# ---- parse: webhook event → Incoming ------------------------------------------------------

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
        "quickReply": _qr(("📝 รายงานความก้าวห…", "m:progress", "📝 รายงานความก้าวหน้า"))}]]),
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


# ---- sending: reply token, push fallback, retry keys, limits ---------------------------------


async def test_expired_reply_token_falls_back_to_a_push_with_the_retry_key(
    runtime: Runtime, line: LineChannel, fake: FakeLine
) -> None:
    token = fake.reply_token("Ulate0001")
    fake.expire(token)
    async with runtime.store.tx() as tx:
        row = await tx.enqueue_row("line", "Ulate0001", dump_messages([Outgoing("ขอบคุณค่ะ")]),
                                   "reply:line:late1", reply_token=token)  # fmt: skip
    assert row is not None
    await runtime.sender.deliver()
    reply, push = fake.calls
    assert (reply.path, reply.status) == ("/v2/bot/message/reply", 400)
    assert (push.path, push.status) == ("/v2/bot/message/push", 200)
    assert push.body["to"] == "Ulate0001" and push.headers["X-Line-Retry-Key"] == row.retry_key
    assert fake.texts("Ulate0001") == ["ขอบคุณค่ะ"]


async def test_a_used_reply_token_is_reported_to_the_sender(
    line: LineChannel, fake: FakeLine
) -> None:
    # The adapter does not push by itself: only the sender knows whether an earlier attempt
    # of the same row used the token (then pushing would deliver the reply twice).
    token = fake.reply_token("Uused0001")
    await line.send("Uused0001", [Outgoing("หนึ่ง")], reply_token=token)
    with pytest.raises(ReplyTokenInvalid):
        await line.send("Uused0001", [Outgoing("สอง")], reply_token=token, retry_key=None)
    assert fake.texts("Uused0001") == ["หนึ่ง"]
    assert [c.status for c in fake.calls] == [200, 400]


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


async def test_calls_do_not_look_up_the_environment_but_a_proxy_in_it_is_used(
    line: LineChannel, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK's session trusted the environment: each call read proxies and ~/.netrc in a
    # thread first. The session now does not; a proxy set in the environment is read once.
    assert line._api_client.rest_client.pool_manager.trust_env is False
    assert line._data_client.rest_client.pool_manager.trust_env is False
    for name in ("HTTPS_PROXY", "https_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    assert _config("https://api.line.me", TOKEN).proxy is None
    monkeypatch.setenv("HTTPS_PROXY", "http://prasan:s3cret@proxy.example:3128")
    config = _config("https://api.line.me/", TOKEN)
    assert config.proxy == "http://proxy.example:3128"
    assert config.proxy_headers == {"Proxy-Authorization": "Basic cHJhc2FuOnMzY3JldA=="}
    monkeypatch.setenv("NO_PROXY", "api.line.me")
    assert _config("https://api.line.me", TOKEN).proxy is None


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


def test_a_message_line_would_refuse_fails_before_any_call() -> None:
    # Bodies go to LINE as built; the SDK's models check them first (its limits), each
    # distinct quick reply once.
    def message(data: str) -> dict[str, Any]:
        action = {"type": "postback", "label": "ส่ง", "data": data, "displayText": "ส่ง"}
        return {"type": "text", "text": "สรุปรายงาน",
                "quickReply": {"items": [{"type": "action", "action": action}]}}  # fmt: skip

    good = [[message("send"), message("send")]]
    assert checked_for_line(good) is good
    with pytest.raises(ConfigError):
        checked_for_line([[message("x" * 301)]])  # postback data is at most 300 characters
    with pytest.raises(ConfigError):
        checked_for_line([[{"type": "text"}]])  # no text
