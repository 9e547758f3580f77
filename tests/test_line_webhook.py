"""The LINE webhook: signatures, bad bodies, redelivery, answering before processing, order.

Signed requests to the shared web app (bot.web), against a fake LINE API (tests/line_support.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from bot.channels.line import WEBHOOK_PATH, LineChannel
from bot.runtime import Runtime
from storage.schema import inbox
from tests import fake_line as fl
from tests.fake_line import FakeLine, sign
from tests.line_support import Phone, count_rows

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.line_support import base_url as base_url
from tests.line_support import fake as fake
from tests.line_support import line as line
from tests.line_support import phone as phone
from tests.line_support import session as session

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
    assert await count_rows(runtime, inbox) == 0
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
    assert await count_rows(runtime, inbox) == 0


async def test_an_empty_event_list_is_ok(runtime: Runtime, phone: Callable[[str], Phone]) -> None:
    # LINE's "Verify" button in the console sends a signed body with no events.
    assert await phone("U0").post() == 200
    assert await count_rows(runtime, inbox) == 0


async def test_a_redelivered_event_is_processed_once(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Uredelivery001")
    first = fl.follow_event(p.user, fake.reply_token(p.user))
    assert "รหัสเชิญ" in await p.send(first)
    again = {**first, "replyToken": fake.reply_token(p.user),
             "deliveryContext": {"isRedelivery": True}}  # fmt: skip
    assert await p.send(again) == ""
    assert await count_rows(runtime, inbox) == 1
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
