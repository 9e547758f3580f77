"""Shared by the multi-process tests: `prasan web`/`worker` children, signed LINE posts, people.

Not a test module. A child web process binds port 0 itself and reports the port it got in its
log (`web server listening on port N`): no port is picked here and released for it to reuse.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from sqlalchemy import insert

from bot.config import load_settings
from bot.demo import DEMO_AREAS, load_demo
from storage.schema import identities, person_scopes
from storage.schema import people as people_table
from storage.store import Store
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine

PORT_LINE = re.compile(r"web server listening on port (\d+)")


@dataclass
class Child:
    """One `python -m bot <command>` process and what it has logged so far."""

    name: str
    proc: asyncio.subprocess.Process
    lines: list[str] = field(default_factory=list)
    port: int | None = None
    _reader: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        """The web process's base URL."""
        assert self.port is not None, f"{self.name} has no port"
        return f"http://127.0.0.1:{self.port}"

    async def read(self) -> None:
        """Keep reading the log (a full pipe would stall the child)."""
        assert self.proc.stderr is not None
        async for raw in self.proc.stderr:
            line = raw.decode(errors="replace").rstrip()
            self.lines.append(line)
            if self.port is None and (m := PORT_LINE.search(line)):
                self.port = int(m.group(1))

    async def wait_for(self, text: str, within: float = 60.0) -> None:
        """Until a log line contains `text`; fails with the log's tail if the child exits."""
        deadline = time.monotonic() + within
        while not any(text in line for line in self.lines):
            if self.proc.returncode is not None:
                raise AssertionError(f"{self.name} exited: {self.tail()}")
            assert time.monotonic() < deadline, f"{self.name}: no {text!r} in {self.tail()}"
            await asyncio.sleep(0.05)

    def tail(self, n: int = 15) -> str:
        """The last log lines, for a failure message."""
        return "\n".join(self.lines[-n:])

    async def stop(self, sig: int = signal.SIGTERM, within: float = 30.0) -> int:
        """Signal the child (only this one, by its pid) and wait for it."""
        if self.proc.returncode is None:
            self.proc.send_signal(sig)
            try:
                await asyncio.wait_for(self.proc.wait(), within)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, 10)
        return self.proc.returncode or 0


# The jobs that message people follow the wall clock: a process started within the catch-up
# grace after 08:00 Bangkok time (or Thursday's reminder) would send the missed run in the
# middle of a test and leave it in the outbox. A test that wants them sets them itself.
QUIET_SCHEDULES = dict.fromkeys(("PRASAN_REMINDER_CRON", "PRASAN_LAST_CALL_CRON",
                                 "PRASAN_DAILY_DIGEST_CRON", "PRASAN_WEEKLY_DIGEST_CRON"), "")  # fmt: skip


def child_env(database_url: str, line: FakeLine | None, **extra: str) -> dict[str, str]:
    """This environment without chat/database settings, plus the test's."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    env |= {"PYTHAINLP_OFFLINE": "1", "DATABASE_URL": database_url, "PORT": "0"}
    env |= QUIET_SCHEDULES
    if line is not None:
        env |= {"LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
                "LINE_API_URL": line.api_url, "LINE_DATA_API_URL": line.data_url}  # fmt: skip
    return env | extra


async def spawn(command: str, env: dict[str, str], cwd: Path, name: str) -> Child:
    """Start `python -m bot <command>` with its own PRASAN_INSTANCE (leases are per process)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", command, env=env | {"PRASAN_INSTANCE": name}, cwd=cwd,
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    child = Child(name, proc)
    child._reader = asyncio.create_task(child.read())
    return child


async def started(children: list[Child], within: float = 60.0) -> None:
    """Until every child logged its `prasan … started` line (web ones: and their port)."""
    await asyncio.gather(*(c.wait_for("started", within) for c in children))
    for child in children:
        if "web" in child.name:
            assert child.port is not None, child.tail()


async def stop_all(children: list[Child]) -> None:
    """SIGTERM each child still running; wait for all."""
    await asyncio.gather(*(c.stop() for c in children), return_exceptions=True)


async def open_store(database_url: str) -> Store:
    """The test's own store on the children's database (migrated once here, first)."""
    return await Store.open(load_settings(DATABASE_URL=database_url).DATABASE_URL)


def line_user(n: int) -> str:
    """A LINE user id for coordinator n."""
    return f"U{n:032x}"


async def coordinators(store: Store, count: int) -> dict[str, int]:
    """Demo data plus `count` coordinators on LINE; LINE user id → person id.

    Three multi-row INSERTs rather than `create_person` one by one: thousands of people
    would otherwise take most of a test's time budget on a loaded machine.
    """
    await load_demo(store)
    async with store.tx() as tx:
        area_ids = []
        for code, *_ in DEMO_AREAS:
            area = await tx.area_by_code(code)
            assert area is not None
            area_ids.append(area.id)
        now = tx.now()
        names = [f"ผู้ประสานงาน {n:04d}" for n in range(count)]
        got = await tx.conn.execute(
            insert(people_table).returning(people_table.c.id, people_table.c.name),
            [{"name": x, "role": "coordinator", "language": "th", "active": True,
              "created_at": now} for x in names],
        )  # fmt: skip
        by_name = {name: int(pid) for pid, name in got.all()}
        pids = [by_name[x] for x in names]
        await tx.conn.execute(insert(person_scopes), [
            {"person_id": pid, "scope": "area", "ref_id": area_ids[n % len(area_ids)]}
            for n, pid in enumerate(pids)
        ])  # fmt: skip
        await tx.conn.execute(insert(identities), [
            {"channel": "line", "external_id": line_user(n), "person_id": pid, "active": True,
             "failed_codes": 0, "created_at": now} for n, pid in enumerate(pids)
        ])  # fmt: skip
    return {line_user(n): pid for n, pid in enumerate(pids)}


async def post_line(http: aiohttp.ClientSession, url: str, *events: dict[str, Any]) -> int:
    """POST signed webhook events to a web process; the HTTP status."""
    raw = fl.body(*events)
    headers = {"X-Line-Signature": fl.sign(raw), "Content-Type": "application/json"}
    async with http.post(f"{url}/webhooks/line", data=raw, headers=headers) as resp:
        return resp.status


async def until(
    check: Callable[[], Awaitable[bool]], what: str, within: float, every: float = 0.2
) -> float:
    """Poll `check` until true; the seconds it took. Fails after `within` seconds."""
    start = time.monotonic()
    while not await check():
        assert time.monotonic() - start < within, f"timed out after {within:.0f} s: {what}"
        await asyncio.sleep(every)
    return time.monotonic() - start
