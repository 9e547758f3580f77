"""A broadcast to 1,000 people on both platforms, with 429s and 5xx injected, at the platforms'
limits: everyone gets it exactly once, nothing goes faster than the limits, LINE multicasts.

Real time, bounded (about 20 s): the sender's pacing sleeps on the loop's clock. Telegram's
rates are read from the moment each request leaves the client (an httpx hook): the fake's
arrival times, in this one loaded process, trail the sends by up to tens of milliseconds
(measured p99 21–25 ms, worst 50–340 ms), noise larger than the pacing's margin. LINE's
calls are read at the fake.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter, defaultdict
from urllib.parse import parse_qs

import httpx
import pytest

from bot.channels.telegram import TelegramChannel
from bot.channels.telegram_transport import make_bot
from bot.runtime import Runtime
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.outbox_support import connect, people, queue, statuses

pytestmark = pytest.mark.slow

TELEGRAM, LINE, BUSY = 450, 550, 10  # BUSY Telegram people get three more notices each
TG_OVERALL, TG_BURST = 30, 3  # messages in any one second; a chat's burst, then 1 a second


def _chat_id(request: httpx.Request) -> int:
    """The chat a Bot API request goes to (PTB sends JSON or a form)."""
    body = request.content.decode()
    if request.headers.get("content-type", "").startswith("application/json"):
        return int(json.loads(body)["chat_id"])
    return int(parse_qs(body)["chat_id"][0])


def _most_in_a_second(times: list[float]) -> int:
    """The most requests in any one-second window."""
    times = sorted(times)
    most, start = 0, 0
    for end, t in enumerate(times):
        while t - times[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


def _chat_within_limit(times: list[float]) -> bool:
    """A bucket of TG_BURST refilled at one a second never went below empty."""
    tokens, last = float(TG_BURST), None
    for t in sorted(times):
        if last is not None:
            tokens = min(float(TG_BURST), tokens + (t - last))
        if tokens < 1.0 - 1e-6:
            return False
        tokens, last = tokens - 1.0, t
    return True


async def test_a_1000_person_broadcast_at_the_limits_with_429s_and_5xx_goes_exactly_once(
    runtime: Runtime, fake_line: FakeLine, fake_tg: FakeTelegram
) -> None:
    await connect(runtime, fake_line, fake_tg)  # real pacing, real clock
    left: list[tuple[float, int]] = []  # (when, chat) of each sendMessage as it leaves

    async def leaving(request: httpx.Request) -> None:
        if request.url.path.endswith("/sendMessage"):
            left.append((time.monotonic(), _chat_id(request)))

    bot = make_bot(fake_tg.token, fake_tg.api_url, fake_tg.file_url, on_request=leaving)
    telegram = TelegramChannel(bot, runtime.inbound)  # as start_channel makes it
    await telegram.connect()
    runtime.add_channel(telegram)  # in place of the one connect() started
    runtime.services.append(telegram)
    fake_line.multicast_rate = 200  # LINE's limit, enforced at the fake
    tg = await people(runtime, "telegram", TELEGRAM)
    line = await people(runtime, "line", LINE, start=TELEGRAM)
    await queue(runtime, tg + line)
    for n in range(3):  # identical for the ten: they go one chat at a time on Telegram
        await queue(runtime, tg[:BUSY], key=f"extra{n}", text=f"📢 แจ้งเพิ่มเติม {n}")
    # Injected: Telegram 429 (retry after 1 s) and three 500s; LINE a 500 on the first
    # multicast (retried with the same key) and a 429 later.
    fake_tg.fail("sendMessage", 429, times=1, after=60, retry_after=1)
    fake_tg.fail("sendMessage", 500, times=3, after=100)
    fake_line.fail_next(500, count=1)
    fake_line.fail_next(429, count=1, retry_after=1, after=1)
    stop = asyncio.Event()
    sender = asyncio.create_task(runtime.sender.run(stop, idle=0.05))
    try:
        for _ in range(275):  # at most 55 s
            if (await statuses(runtime)).get("sent", 0) == TELEGRAM + LINE + 3 * BUSY:
                break
            await asyncio.sleep(0.2)
    finally:
        stop.set()
        await sender
    assert await statuses(runtime) == {"sent": TELEGRAM + LINE + 3 * BUSY}

    # Telegram: each person exactly once (the ten: four different notices once each).
    got = {m.user: [s.text for s in fake_tg.chats[int(m.user)]] for m in tg}
    assert all(len(texts) == 1 for texts in list(got.values())[BUSY:])
    assert all(len(got[m.user]) == 4 == len(set(got[m.user])) for m in tg[:BUSY])
    # ... never faster than 30 a second overall or a chat's 1 a second (after a burst of 3).
    sends = [c for c in fake_tg.calls if c.method == "sendMessage"]
    assert Counter(c.status for c in sends) == {200: TELEGRAM + 3 * BUSY, 429: 1, 500: 3}
    assert len(left) == len(sends)
    assert _most_in_a_second([t for t, _ in left]) <= TG_OVERALL
    per_chat: dict[int, list[float]] = defaultdict(list)
    for t, chat in left:
        per_chat[chat].append(t)
    assert all(_chat_within_limit(times) for times in per_chat.values())
    # ... and nothing at all during the 429's second.
    refused = next(c.at for c in sends if c.status == 429)  # the fake's clock is monotonic
    assert [t for t, _ in left if refused < t < refused + 1.0] == []

    # LINE: multicast only, ≤ 500 ids a call, each call its own retry key (a retry repeats
    # its call's key and ids), each person exactly once.
    calls = fake_line.calls_to("/multicast")
    assert fake_line.calls_to("/push") == [] and fake_line.calls_to("/reply") == []
    assert all(len(c.body["to"]) <= 500 for c in calls)
    by_key: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for c in calls:
        by_key[c.headers["X-Line-Retry-Key"]].add(tuple(c.body["to"]))
    assert all(len(ids) == 1 for ids in by_key.values())  # one key, one call
    accepted = [c for c in calls if c.status == 200]
    assert len(accepted) == len(by_key) == 2  # 500 + 50
    assert sorted(c.status for c in calls) == [200, 200, 429, 500]
    assert all(fake_line.deliveries[m.user] == 1 for m in line)
    assert set(fake_line.accepted_keys.values()) == {1}
