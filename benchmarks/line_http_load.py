"""The load generator of `bench_line_http.py`: signed LINE webhooks, sent open loop.

The workload's messages (benchmarks/workload.py) become webhook requests as LINE sends them:
texts as message events, presses as postback events, each signed with the channel secret.
A step sends its requests on a fixed schedule whatever the server's pace, and records the
HTTP latency from the scheduled time, the statuses and the server's CPU.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import workload
from workload import Msg

SECRET = "bench-channel-secret"
TOKEN = "bench-channel-access-token"
DESTINATION = "U" + "b" * 32
WARMUP_SECONDS = 1.0


@dataclass
class Event:
    """One signed webhook request carrying one event."""

    msg: Msg
    event_id: str
    reply_token: str
    body: bytes
    signature: str


@dataclass
class Phase:
    """What one rate step measured."""

    rate: int
    events: list[Event]
    label: str = ""
    seconds: float = 0.0
    http_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    sent_at: dict[str, float] = field(default_factory=dict)  # reply token → wall time
    cpu: float | None = None

    @property
    def ok(self) -> int:
        """Requests answered 200."""
        return self.statuses["200"]


def sign(body: bytes) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 of the raw body with the channel secret."""
    return base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()


def line_user(index: int) -> str:
    """A LINE user id ("U" + 32 hex digits) for coordinator `index`."""
    return "U" + hashlib.md5(f"bench-{index}".encode()).hexdigest()


def make_event(msg: Msg, n: int) -> Event:
    """A webhook body as LINE sends it: a text message event, or a postback for a press."""
    event_id = f"01HBENCH{n:018d}"
    token = f"rt{n:030d}"
    event: dict[str, Any] = {
        "mode": "active", "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": line_user(msg.user)},
        "webhookEventId": event_id, "deliveryContext": {"isRedelivery": False},
        "replyToken": token,
    }  # fmt: skip
    if msg.data is not None:
        event |= {"type": "postback", "postback": {"data": msg.data}}
    else:
        event |= {"type": "message", "message": {"type": "text", "id": f"{n:018d}",
                                                 "quoteToken": "q", "text": msg.text}}  # fmt: skip
    body = json.dumps({"destination": DESTINATION, "events": [event]},
                      ensure_ascii=False, separators=(",", ":")).encode()  # fmt: skip
    return Event(msg, event_id, token, body, sign(body))


def build_phases(rates: list[int], seconds: float, users: int) -> tuple[list[Phase], list[Msg]]:
    """The steps and the messages they carry (a warm-up step first)."""
    # The server loads its Thai dictionary on the first message: a start-up cost, not a
    # rate's, so a one-second warm-up step goes first and gets its own row.
    steps = [(rates[0], int(rates[0] * WARMUP_SECONDS), "warm-up")]
    steps += [(r, int(r * seconds), "") for r in rates]
    seq = workload.build(sum(size for _, size, _ in steps), users)
    events = [make_event(m, n) for n, m in enumerate(seq)]
    phases, offset = [], 0
    for rate, size, label in steps:
        phases.append(Phase(rate, events[offset : offset + size], label))
        offset += size
    return phases, seq


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def run_phase(session: aiohttp.ClientSession, url: str, phase: Phase, pid: int) -> None:
    """Send the phase's requests on schedule (open loop) and wait for every answer."""
    loop = asyncio.get_running_loop()

    async def post(event: Event, due: float) -> None:
        phase.sent_at[event.reply_token] = time.time()
        headers = {"Content-Type": "application/json", "X-Line-Signature": event.signature}
        try:
            async with session.post(url, data=event.body, headers=headers) as resp:
                await resp.read()
                phase.statuses[str(resp.status)] += 1
        except (aiohttp.ClientError, TimeoutError) as exc:
            phase.statuses[type(exc).__name__] += 1
        # From the scheduled time: a request the generator sent late still counts its wait.
        phase.http_ms.append((loop.time() - due) * 1000)

    cpu0 = cpu_seconds(pid)
    start = loop.time() + 0.05
    tasks = []
    for i, event in enumerate(phase.events):
        due = start + i / phase.rate
        if due > loop.time():
            await asyncio.sleep(due - loop.time())
        tasks.append(asyncio.create_task(post(event, due)))
    await asyncio.gather(*tasks)
    phase.seconds = loop.time() - start
    cpu1 = cpu_seconds(pid)
    if cpu0 is not None and cpu1 is not None:
        phase.cpu = (cpu1 - cpu0) / phase.seconds
