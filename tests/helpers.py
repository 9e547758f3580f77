"""Shared test helpers: a transcript driver over the real inbound path."""

from __future__ import annotations

import asyncio
import re
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from bot.invites import VALID_DAYS, code_hash, new_code
from bot.messages import Incoming, Outgoing, load_messages
from storage.store import Store, utcnow


async def make_invite(
    store: Store, role: str = "coordinator", areas: tuple[str, ...] = ("PTN01",),
    name: str | None = "ทดสอบ ผู้ประสาน", scope: list[list[object]] | None = None,
) -> str:  # fmt: skip
    """Create an invite straight in storage; returns the code as a person would receive it."""
    async with store.tx() as tx:
        if scope is None:
            scope = []
            for code in areas:
                area = await tx.area_by_code(code)
                assert area is not None, code
                scope.append(["area", area.id])
        code = new_code()
        await tx.create_invite(await code_hash(tx, code), role, name, scope,
                               utcnow() + timedelta(days=VALID_DAYS))  # fmt: skip
    return code


@dataclass
class Chat:
    """Drives the inbound path as one person on one channel and collects the bot's replies."""

    runtime: object
    channel: str
    user_id: str
    last: list[Outgoing] = field(default_factory=list)

    async def send(self, text: str | None = None, **kw: object) -> list[Outgoing]:
        """Say something (or press with data=...); returns the bot's messages."""
        inc = Incoming(channel=self.channel, user_id=self.user_id, text=text,
                       event_id=uuid.uuid4().hex, **kw)  # type: ignore[arg-type]  # fmt: skip
        ids = await self.runtime.inbound.receive(inc)  # type: ignore[attr-defined]
        out: list[Outgoing] = []
        async with self.runtime.store.tx() as tx:  # type: ignore[attr-defined]
            for row in await tx.outbox_rows():
                if row["id"] in ids:
                    out.extend(load_messages(row["payload"]))
        self.last = out
        return out

    async def press(self, label_part: str) -> list[Outgoing]:
        """Press the button of the last reply whose label contains `label_part`."""
        for message in reversed(self.last):
            for b in message.buttons:
                if label_part in b.label:
                    return await self.send(data=b.data)
        labels = [b.label for m in self.last for b in m.buttons]
        raise AssertionError(f"no button containing {label_part!r} in {labels}")

    @property
    def text(self) -> str:
        """All text of the last reply."""
        return "\n".join(m.text for m in self.last)

    @property
    def labels(self) -> list[str]:
        """Button labels of the last reply."""
        return [b.label for m in self.last for b in m.buttons]


# --- end-to-end runs of real `prasan` processes --------------------------------------------


async def prasan_cli(env: dict[str, str], cwd: Path, *args: str, within: float = 120) -> str:
    """`python -m bot *args` as its own process; its stdout (fails on a non-zero exit)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await asyncio.wait_for(proc.communicate(), within)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def start_prasan(
    env: dict[str, str], cwd: Path, *args: str
) -> tuple[asyncio.subprocess.Process, Path]:
    """`python -m bot *args` left running (e.g. `run`), its log (stderr) in cwd/run.log."""
    log_path = cwd / "run.log"
    with log_path.open("wb") as log_file:  # the child keeps its own handle
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", *args, env=env, cwd=cwd,
            stdout=asyncio.subprocess.DEVNULL, stderr=log_file,
        )  # fmt: skip
    return proc, log_path


async def wait_until(
    check: Callable[[], bool], what: str, within: float = 30, every: float = 0.05
) -> None:
    """Poll `check` (another process's output, a fake server's record) until it holds."""
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(every)


async def listening_port(log: Path, within: float = 60) -> int:
    """The port a `prasan run|web` started with PORT=0 says it bound, read from its log."""
    line = re.compile(r"listening on port (\d+)")
    found: list[str] = []

    def said() -> bool:  # a small local file: read it as the other tests' checks do
        found[:] = line.findall(log.read_text())
        return bool(found)

    await wait_until(said, "the web server", within)
    return int(found[0])
