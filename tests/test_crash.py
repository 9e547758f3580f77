"""Crash: `prasan run` killed with SIGKILL while 500 people write, then started again.

250 LINE users post signed webhooks (ten events a request) and 250 Telegram users' updates
wait in the fake Bot API's getUpdates queue. The process is killed once a given share of
the replies has reached the fakes (three kill points), restarted on the same database, and
LINE redelivers what it never got a 200 for. Then:
- every accepted event is processed once (the inbox and the outbox hold one reply each);
- on LINE every person got exactly one reply (counted at the fake: accepted reply and push
  calls per user, a repeat of a retry key is answered 409 and not delivered);
- on Telegram every person got their reply, at most one duplicate each (the documented
  window: a send under way or not yet recorded when the process died).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import create_engine, func, select

from storage.schema import inbox, outbox
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine, sign
from tests.fake_telegram import FakeTelegram, Person

USERS = 250  # per channel
PORT_LINE = re.compile(r"web server listening on port (\d+)")

pytestmark = pytest.mark.slow


async def _start(env: dict[str, str], cwd: Path) -> tuple[asyncio.subprocess.Process, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "run", env=env, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stderr is not None
    port = 0
    async with asyncio.timeout(90):
        while True:
            line = (await proc.stderr.readline()).decode(errors="replace")
            assert line, "prasan run exited before it started"
            if (m := PORT_LINE.search(line)) is not None:
                port = int(m.group(1))
            if "prasan web+worker started" in line:
                break
    asyncio.get_running_loop().create_task(_drain(proc))
    return proc, port


async def _drain(proc: asyncio.subprocess.Process) -> None:
    assert proc.stderr is not None
    while await proc.stderr.readline():
        pass


@pytest.mark.parametrize("kill_at", [0.1, 0.5, 0.9])
async def test_kill_9_under_load_then_restart(tmp_path: Path, kill_at: float) -> None:
    tg = await FakeTelegram().start()
    line = await FakeLine().start()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(
        PYTHAINLP_OFFLINE="1", DATABASE_URL=f"sqlite:///{tmp_path / 'crash.db'}", PORT="0",
        TELEGRAM_BOT_TOKEN=tg.token, TELEGRAM_API_URL=tg.api_url, TELEGRAM_FILE_URL=tg.file_url,
        LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN, LINE_API_URL=line.api_url,
        LINE_DATA_API_URL=line.data_url, PRASAN_INSTANCE="crash-test:run",
    )  # fmt: skip
    line_users = [f"U{i:032x}" for i in range(USERS)]
    tg_people = [Person(6_000_000 + i) for i in range(USERS)]
    groups = [line_users[start : start + 10] for start in range(0, USERS, 10)]
    unanswered: list[list[dict[str, Any]]] = []
    proc, port = await _start(env, tmp_path)
    try:
        for person in tg_people:
            tg.push(tg.message(person, "สวัสดีครับ"))

        async def post_all(to_port: int, batches: list[Any]) -> None:
            async with aiohttp.ClientSession() as http:
                for batch in batches:
                    # LINE sends an event (with a fresh reply token) as it happens.
                    events = batch if isinstance(batch[0], dict) else [
                        fl.text_event(u, "สวัสดีค่ะ", line.reply_token(u)) for u in batch
                    ]  # fmt: skip
                    raw = fl.body(*events)
                    try:
                        async with http.post(
                            f"http://127.0.0.1:{to_port}/webhooks/line", data=raw,
                            headers={"X-Line-Signature": sign(raw)},
                        ) as resp:  # fmt: skip
                            if resp.status != 200:
                                unanswered.append(events)
                    except aiohttp.ClientError:
                        unanswered.append(events)

        poster = asyncio.create_task(post_all(port, groups))
        total = 2 * USERS
        await _until(lambda: _replies(tg, line) >= kill_at * total, every=0.005)
        proc.send_signal(signal.SIGKILL)  # no clean-up at all
        await proc.wait()
        await poster
        sent_before = _replies(tg, line)
        killed = time.monotonic()
        # The only LINE replies a slow restart could double: accepted, not yet recorded.
        at_risk = {u for u in _leased_line(tmp_path) if line.delivered_by.get(u)}
        proc, port = await _start(env, tmp_path)
        down = time.monotonic() - killed
        # LINE redelivers what it never got a 200 for, with the same webhookEventId.
        redelivered = [[{**e, "deliveryContext": {"isRedelivery": True}} for e in events]
                       for events in unanswered]  # fmt: skip
        unanswered.clear()
        await post_all(port, redelivered)
        await _until(lambda: _everyone_answered(tg, line, tg_people, line_users), every=0.05)
        await asyncio.sleep(1.0)  # a late duplicate would arrive now
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        await tg.close()
        await line.close()
    assert 0 < sent_before < 2 * USERS
    # LINE, counted at the fake by retry key: a push or multicast never delivered twice (a
    # repeat of a key is answered 409) ...
    assert all(n == 1 for n in line.accepted_keys.values()), line.accepted_keys
    # ... and by recipient: each person's reply arrived once, by reply or by push.
    ways = {u: line.delivered_by.get(u, []) for u in line_users}
    doubled = {u for u, w in ways.items() if len(w) > 1}
    assert all(ways.values()), [u for u, w in ways.items() if not w]
    # Back within the reply token's life, a retry asks LINE with the same token first, so
    # nothing is doubled. After a longer outage the README's window applies: only a reply
    # accepted in the instant before the kill and not yet recorded may be pushed once more.
    if down < 50:
        assert doubled == set(), f"back after {down:.0f} s, yet {len(doubled)} replies doubled"
    assert doubled <= at_risk and all(sorted(ways[u]) == ["push", "reply"] for u in doubled)
    # Telegram: everyone answered, at most one duplicate each.
    per_chat = Counter({p.id: len(tg.chats[p.id]) for p in tg_people})
    one = min(per_chat.values())  # messages in one reply
    assert one >= 1 and set(per_chat.values()) <= {one, 2 * one}, Counter(per_chat.values())
    # Every accepted event processed once: one inbox row and one sent reply per event.
    engine = create_engine(f"sqlite:///{tmp_path / 'crash.db'}")
    with engine.connect() as conn:
        events = conn.execute(select(func.count()).select_from(inbox)).scalar_one()
        pending = conn.execute(
            select(func.count()).select_from(inbox).where(inbox.c.processed_at.is_(None))
        ).scalar_one()
        replies = dict(
            conn.execute(select(outbox.c.status, func.count()).group_by(outbox.c.status)).all()
        )
    engine.dispose()
    assert events == 2 * USERS and pending == 0
    assert replies == {"sent": 2 * USERS}
    duplicates = sum(n // one - 1 for n in per_chat.values())
    print(f"kill at {kill_at:.0%}: {sent_before} replies before the kill, back after "
          f"{down:.0f} s; {duplicates} Telegram duplicate(s); LINE: {len(doubled)} doubled, "
          f"{len(at_risk)} accepted but unrecorded at the kill, "
          f"{line.refused_tokens['used']} retries found their token used")  # fmt: skip


async def _until(check: Callable[[], bool], every: float, within: float = 120) -> None:
    """Poll the fakes (they serve two processes' worth of requests) until `check()` holds."""
    for _ in range(int(within / every)):
        if check():
            return
        await asyncio.sleep(every)
    raise AssertionError("timed out")


def _leased_line(tmp_path: Path) -> set[str]:
    """LINE recipients whose reply row was still leased (sent or not, unrecorded)."""
    engine = create_engine(f"sqlite:///{tmp_path / 'crash.db'}")
    with engine.connect() as conn:
        got = conn.execute(
            select(outbox.c.recipient).where(outbox.c.channel == "line",
                                             outbox.c.status == "sending")
        ).scalars().all()  # fmt: skip
    engine.dispose()
    return set(got)


def _replies(tg: FakeTelegram, line: FakeLine) -> int:
    return sum(len(v) for v in tg.chats.values()) + sum(len(v) for v in line.transcript.values())


def _everyone_answered(
    tg: FakeTelegram, line: FakeLine, people: list[Person], users: list[str]
) -> bool:
    return all(tg.chats[p.id] for p in people) and all(line.transcript.get(u) for u in users)
