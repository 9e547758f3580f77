"""`prasan web` + `prasan worker` on one SQLite file: supported on one machine, without stalls.

The decision (docs/DEPLOY.md): the pair works on one SQLite file. Each process waits for
SQLite's write lock in a thread (the writer thread, aiosqlite's thread), never on its event
loop. Here a third process holds the write lock for seconds at a time while LINE events
arrive at the web process and the worker sends a proactive notice to 300 people: every event
is answered once, every notice delivered once, and the web process's loop never stalls for
the length of a lock hold.
"""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

import aiohttp
import pytest

from bot.messages import Outgoing
from bot.notify import notify
from tests import fake_line as fl
from tests.databases import sqlite_only
from tests.fake_line import FakeLine
from tests.process_support import (
    child_env,
    coordinators,
    open_store,
    post_line,
    spawn,
    started,
    stop_all,
    until,
)

pytestmark = [pytest.mark.slow, sqlite_only]

HOLD = 3.0  # seconds the other process keeps the write lock, again and again
# A loop waiting for that lock would lag by up to HOLD: no tick may lag more than this
# histogram bucket while the lock is held (CPU starvation on a loaded 2-core machine lags it
# by up to about a second, and the process's start-up, imports included, by more).
STALL_BUCKET = "2.5"

_HOLDER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=60)
print("ready", flush=True)
for _ in range(int(sys.argv[3])):
    conn.execute("BEGIN IMMEDIATE")
    time.sleep(float(sys.argv[2]))
    conn.execute("COMMIT")
    time.sleep(0.2)
print("done", flush=True)
"""


async def ticks_over(http: aiohttp.ClientSession, url: str) -> float:
    """How many loop-lag ticks of the web process lagged more than STALL_BUCKET, so far."""
    async with http.get(f"{url}/metrics") as resp:
        text = await resp.text()
    counts = {
        le: float(n)
        for le, n in re.findall(r'^prasan_event_loop_lag_seconds_bucket\{le="([^"]+)"\} (\S+)$',
                                text, re.M)
    }  # fmt: skip
    assert STALL_BUCKET in counts and "+Inf" in counts, text[-1000:]
    return counts["+Inf"] - counts[STALL_BUCKET]


async def test_web_and_worker_share_one_sqlite_file_without_stalls(tmp_path: Path) -> None:
    db = tmp_path / "prasan.db"
    url = f"sqlite:///{db}"
    fake = await FakeLine().start()
    store = await open_store(url)
    try:
        people = await coordinators(store, 300)
        env = child_env(url, fake)
        children = [await spawn("web", env, tmp_path, "web1"),
                    await spawn("worker", env, tmp_path, "worker1")]  # fmt: skip
        try:
            await started(children)
            web = children[0]
            holder = await asyncio.create_subprocess_exec(
                sys.executable, "-c", _HOLDER, str(db), str(HOLD), "3",
                stdout=asyncio.subprocess.PIPE,
            )  # fmt: skip
            assert holder.stdout is not None
            assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"ready\n"
            users = list(people)[:100]
            events = [fl.text_event(u, "วันนี้จัดเวทีที่หมู่ 3 มี 30 คน", fake.reply_token(u))
                      for u in users]  # fmt: skip

            async def queue() -> None:  # the admin side: a third writer, this process
                async with store.tx() as tx:
                    for pid in people.values():
                        await notify(tx, pid, lambda t: [Outgoing("ประชุมประจำเดือน")],
                                     f"sq-notice:{pid}")  # fmt: skip

            async with aiohttp.ClientSession() as http:
                stalls_before = await ticks_over(http, web.url)
                posts = [post_line(http, web.url, e) for e in events]
                statuses, _ = await asyncio.gather(asyncio.gather(*posts), queue())
                assert set(statuses) == {200}

                async def all_there() -> bool:
                    return sum(fake.deliveries.values()) >= len(events) + len(people)

                await until(all_there, "replies and notices delivered", within=60)
                await asyncio.wait_for(holder.wait(), 30)
                await asyncio.sleep(1.0)  # a duplicate would arrive now
                stalls = await ticks_over(http, web.url) - stalls_before
            assert sum(fake.deliveries.values()) == len(events) + len(people)
            for user in people:  # the notice once; and the reply once for those who wrote
                assert fake.deliveries[user] == (2 if user in users else 1), user
            assert stalls == 0, (
                f"the web process's loop stalled > {STALL_BUCKET} s {stalls:g} times"
            )
            assert not [line for c in children for line in c.lines if "Traceback" in line]
        finally:
            await stop_all(children)
        assert all(c.proc.returncode == 0 for c in children), [c.tail() for c in children]
    finally:
        await store.close()
        await fake.close()
