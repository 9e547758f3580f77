"""Poison input: one event that cannot be stored as it came never blocks or fails its neighbours.

A lone surrogate (``\\ud800``, valid in JSON escapes, invalid in UTF-8) is stored with the bad
code point replaced (U+FFFD) and processed like any other message; the LINE webhook stores and
answers every other event of the same request; the Telegram poller moves past an update it
could not handle; invalid UTF-8 on the console's stdin does not stop the console.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import aiohttp
from sqlalchemy import select

from bot.channels.line import WEBHOOK_PATH
from bot.messages import Incoming
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

POISON = "สวัสดี \ud800 ค่ะ"


def test_incoming_scrubs_lone_surrogates_and_keeps_real_characters() -> None:
    inc = Incoming("line", "U\udfff1", text=POISON, data="a:\ud800", display_name="😀\ud800")
    clean = inc.scrubbed()
    assert clean.text == "สวัสดี \ufffd ค่ะ"
    assert clean.data == "a:\ufffd"
    assert clean.user_id == "U\ufffd1"
    assert clean.display_name == "😀\ufffd"
    clean.to_json().encode("utf-8")  # now storable anywhere
    ok = Incoming("line", "U1", text="ปกติ 😀")
    assert ok.scrubbed() is ok  # the common case costs no copy


async def test_line_request_with_one_poison_event_stores_and_answers_all_ten(
    runtime: Runtime, session: aiohttp.ClientSession, base_url: str, fake: FakeLine, line
) -> None:  # type: ignore[no-untyped-def]
    users = [f"Upoison{i:04d}" for i in range(10)]
    events = [
        fl.text_event(u, POISON if i == 3 else "สวัสดีค่ะ", fake.reply_token(u))
        for i, u in enumerate(users)
    ]
    # LINE escapes what is not valid UTF-8 in its JSON: the raw body itself is valid UTF-8.
    raw = json.dumps({"destination": "Ubot", "events": events}).encode()
    headers = {"X-Line-Signature": sign(raw), "Content-Type": "application/json"}
    async with session.post(base_url + WEBHOOK_PATH, data=raw, headers=headers) as resp:
        assert resp.status == 200
    await line.drain()
    await runtime.sender.flush()
    assert await count_rows(runtime, inbox) == 10
    async with runtime.store.tx() as tx:
        payloads = [p for (p,) in await tx.conn.execute(select(inbox.c.payload))]
        pending = await tx.inbox_pending()
    assert pending == []  # every one processed
    assert any("\ufffd" in Incoming.from_json(p).text for p in payloads)  # type: ignore[operator]
    for u in users:
        assert fake.texts(u), f"{u} got no answer"


async def test_line_poison_event_is_answered_like_any_stranger(
    runtime: Runtime, phone: Callable[[str], Phone], fake: FakeLine
) -> None:
    p = phone("Upoisonlone01")
    normal = await p.say("สวัสดีค่ะ")
    raw_event = fl.text_event(p.user, POISON, fake.reply_token(p.user))
    raw = json.dumps({"destination": "Ubot", "events": [raw_event]}).encode()
    async with p.session.post(p.base_url + WEBHOOK_PATH, data=raw,
                              headers={"X-Line-Signature": sign(raw)}) as resp:  # fmt: skip
        assert resp.status == 200
    await p.settle(p, p.seen)
    after = fake.texts(p.user)
    assert len(after) > p.seen  # answered
    assert "K7MQ4-XPD9R" in normal and "K7MQ4-XPD9R" in after[-1]  # told how to register


def test_console_survives_invalid_utf8_on_stdin(tmp_path: Path, database_url: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(PYTHAINLP_OFFLINE="1", DATABASE_URL=database_url)
    script = b"hello \xff\xfe there\n/help\n"
    proc = subprocess.run([sys.executable, "-m", "bot", "console", "--as", "someone"],
                          input=script, env=env, cwd=tmp_path, capture_output=True,
                          timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    out = proc.stdout.decode()
    assert "Traceback" not in proc.stderr.decode(errors="replace")
    assert out.count("🤖") >= 2  # both lines answered


async def test_an_oversized_line_body_is_answered_413(
    runtime: Runtime, session: aiohttp.ClientSession, base_url: str
) -> None:
    raw = fl.body(fl.text_event("Ubig00001", "x" * (2 * 1024 * 1024)))
    headers = {"X-Line-Signature": sign(raw), "Content-Type": "application/json"}
    async with session.post(base_url + WEBHOOK_PATH, data=raw, headers=headers) as resp:
        assert resp.status == 413
    assert await count_rows(runtime, inbox) == 0
