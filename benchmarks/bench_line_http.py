"""LINE webhooks over HTTP at rising rates against `prasan web`: throughput, latency, events lost.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_line_http.py
     [--rates 50,100,200,400] [--seconds 10] [--users 500]
(or `python3 dev.py bench`, which runs every benchmarks/bench_*.py).

Three processes: `python -m bot web` (the server under test, on a fresh SQLite file with
registered coordinators linked to LINE user ids), a fake LINE Messaging API
(benchmarks/fake_line_api.py) that answers 200 to reply/push, and this load generator,
which sends signed webhook requests open loop (on a fixed schedule, whatever the server's
pace) following the coordinators' report cycles of benchmarks/workload.py: texts as
message events, presses as postback events.

Per rate: requests/s sustained, HTTP latency (measured from the scheduled send time, so a
slow server cannot hide queueing), webhook-to-reply latency (when the fake LINE API got the
reply token) and server CPU. After the run every sent webhookEventId must be in the inbox
and processed (events lost must be 0), and every event must have been answered.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import workload  # noqa: E402
from workload import Msg  # noqa: E402

from bot.demo import DEMO_AREAS, load_demo  # noqa: E402
from storage.store import Store  # noqa: E402

SECRET = "bench-channel-secret"
TOKEN = "bench-channel-access-token"
DESTINATION = "U" + "b" * 32
DRAIN_TIMEOUT = 120.0  # seconds to wait for the backlog after the last request
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


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


async def prepare_db(url: str, users: int) -> None:
    """Demo data plus `users` coordinators linked to LINE user ids, straight through storage."""
    store = await Store.open(url)
    try:
        await load_demo(store)
        async with store.tx() as tx:
            area_ids = []
            for code, *_ in DEMO_AREAS:
                area = await tx.area_by_code(code)
                assert area is not None
                area_ids.append(area.id)
            for u in range(users):
                pid = await tx.create_person(f"ผู้ประสานงาน {u:04d}", "coordinator",
                                             [["area", area_ids[u % len(area_ids)]]])  # fmt: skip
                ident = await tx.ensure_identity("line", line_user(u))
                await tx.update_identity(ident.id, person_id=pid)
    finally:
        await store.close()


def clean_env(**extra: str) -> dict[str, str]:
    """This environment without any chat or database settings, plus `extra`."""
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    pythonpath = os.pathsep.join(p for p in (str(ROOT), keep.get("PYTHONPATH", "")) if p)
    return {**keep, "PYTHONPATH": pythonpath, "PYTHAINLP_OFFLINE": "1", **extra}


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a process so far (Linux /proc; None elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


async def wait_ready(session: aiohttp.ClientSession, url: str, proc: subprocess.Popen[bytes],
                     what: str, limit: float = 60.0) -> None:  # fmt: skip
    """Poll until `url` answers 200, or fail when the process dies or `limit` s pass."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}")
        try:
            async with session.get(url) as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{what} did not answer {url} within {limit:.0f} s")


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


def inbox_state(db: Path, event_ids: set[str]) -> tuple[int, int]:
    """How many of these events are in the inbox, and how many of those are processed."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute("select event_id, processed_at from inbox where channel = 'line'")
        present = processed = 0
        for event_id, processed_at in rows:
            if event_id in event_ids:
                present += 1
                processed += processed_at is not None
    return present, processed


def count(db: Path, sql: str) -> int:
    """One integer from the database."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return int(conn.execute(sql).fetchone()[0])


async def drain(db: Path, event_ids: set[str]) -> tuple[int, int, float]:
    """Wait until every event is processed (or progress stops); returns present, processed, s."""
    start = time.monotonic()
    last, since = -1, time.monotonic()
    while True:
        present, processed = await asyncio.to_thread(inbox_state, db, event_ids)
        if processed == len(event_ids):
            break
        if processed != last:
            last, since = processed, time.monotonic()
        if time.monotonic() - since > 15 or time.monotonic() - start > DRAIN_TIMEOUT:
            break
        await asyncio.sleep(0.5)
    return present, processed, time.monotonic() - start


def pct(values: list[float], q: float) -> float:
    """Percentile of a list (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


def stop(proc: subprocess.Popen[bytes], what: str) -> None:
    """SIGTERM, then wait; kill only if it will not stop."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        print(f"  {what} did not stop on SIGTERM; killing it")
        proc.kill()
        proc.wait()


def print_results(phases: list[Phase], tokens: dict[str, float]) -> None:
    """One row per rate."""
    head = (f"{'step':<8}{'rate':>6}{'sent':>7}{'200 OK':>8}{'failed':>8}{'accepted':>10}"
            f"{'replied':>9}{'no reply':>9}{'http p50':>10}{'http p99':>10}{'reply p50':>11}{'reply p99':>11}"
            f"{'server CPU':>12}")  # fmt: skip
    print("\n" + head)
    print(
        f"{'':<8}{'req/s':>6}{'':>23}{'req/s':>10}{'ev/s':>9}{'':>9}{'ms':>10}{'ms':>10}{'ms':>11}{'ms':>11}"
    )
    print("-" * len(head))
    for p in phases:
        arrived = {t: tokens[t] for t in p.sent_at if t in tokens}
        reply_ms = [(arrived[t] - s) * 1000 for t, s in p.sent_at.items() if t in arrived]
        # Replies (to any step's events) that reached the fake API while this step was
        # sending: the pace the server really worked at, since LINE's 200 OK comes first.
        start = min(p.sent_at.values(), default=0.0)
        replied = sum(start <= t < start + p.seconds for t in tokens.values()) / p.seconds
        failed = sum(n for status, n in p.statuses.items() if status != "200")
        cpu = f"{100 * p.cpu:.0f}%" if p.cpu is not None else "-"
        print(f"{p.label:<8}{p.rate:>6}{len(p.events):>7}{p.ok:>8}{failed:>8}"
              f"{p.ok / p.seconds:>10.1f}{replied:>9.1f}{len(p.events) - len(arrived):>9}"
              f"{pct(p.http_ms, 0.5):>10.1f}{pct(p.http_ms, 0.99):>10.1f}"
              f"{pct(reply_ms, 0.5):>11.1f}{pct(reply_ms, 0.99):>11.1f}{cpu:>12}")  # fmt: skip
        if failed:
            print(f"{'':>10}  failures: {dict(p.statuses)}")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rates", default="50,100,200,400", help="requests/s per step")
    p.add_argument("--seconds", type=float, default=10.0, help="length of each step")
    p.add_argument("--users", type=int, default=500, help="registered LINE coordinators")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return p.parse_args(argv)


async def load(
    phases: list[Phase], api_url: str, web_url: str, db: Path,
    fake: subprocess.Popen[bytes], server: subprocess.Popen[bytes],
) -> tuple[dict[str, Any], int, int, float] | None:  # fmt: skip
    """Run every step, wait for the backlog; returns fake-API stats, present, processed, wait."""
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=0)
    ) as session:
        await wait_ready(session, f"{api_url}/stats", fake, "fake LINE API")
        await wait_ready(session, f"{web_url}/healthz", server, "prasan web")
        webhook = f"{web_url}/webhooks/line"
        async with session.post(webhook, data=b"{}") as probe:  # unsigned: refused, not 404
            if probe.status == 404:
                print("prasan web does not serve /webhooks/line (is the LINE channel there?)")
                return None
        for phase in phases:
            what = phase.label or f"{phase.rate} req/s"
            print(f"» {what} for {len(phase.events) / phase.rate:g} s …", flush=True)
            await run_phase(session, webhook, phase, server.pid)
        ids = {e.event_id for p in phases for e in p.events}
        present, processed, waited = await drain(db, ids)
        async with session.get(f"{api_url}/stats") as resp:
            stats = await resp.json()
    return stats, present, processed, waited


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


def errors(db: Path) -> dict[str, int]:
    """Outbox rows on LINE not marked sent, by their last error."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute(
            "select coalesce(last_error, status), count(*) from outbox"
            " where channel = 'line' and status != 'sent' group by 1"
        )
        return {str(error): int(n) for error, n in rows}


def check(
    phases: list[Phase], outcome: tuple[dict[str, Any], int, int, float], db: Path,
    expected_reports: int,
) -> tuple[bool, bool]:  # fmt: skip
    """Print the table and the checks; returns (nothing lost, every event answered)."""
    stats, present, processed, waited = outcome
    sent = sum(len(p.events) for p in phases)
    reports = count(db, "select count(*) from reports")
    unsent = errors(db)
    print_results(phases, stats["tokens"])
    calls = Counter(stats["calls"])
    answered = calls["reply"] + calls["push"]
    lost = sent - processed
    print(f"\nevents sent {sent}; in inbox {present}; processed {processed} "
          f"(backlog drained {waited:.1f} s after the last request); events lost: {lost}")  # fmt: skip
    print(f"replies received by the fake LINE API: {calls['reply']} reply + {calls['push']} "
          f"push = {answered} for {sent} events; refused (bad token): {calls['unauthorised']}")  # fmt: skip
    print(f"reports stored: {reports} of {expected_reports} expected")
    intact = lost == 0 and reports == expected_reports
    answered_all = answered >= sent and not unsent
    if unsent:
        # `web` sends replies at once and leaves failures to the `worker`'s retries.
        print(f"replies the web process did not deliver (left in the outbox for a worker): "
              f"{sum(unsent.values())} — {unsent}")  # fmt: skip
    print("check: " + ("ok" if intact else "FAILED (events lost or reports missing)")
          + ("" if answered_all else "; NOT every event was answered"))  # fmt: skip
    return intact, answered_all


def main(argv: list[str] | None = None) -> int:
    """Set up, load, drain, check and print; exit 1 when an event was lost or a report missing."""
    args = parse_args(argv)
    rates = [int(r) for r in args.rates.split(",") if r.strip()]
    phases, seq = build_phases(rates, args.seconds, args.users)
    mix = workload.mix(seq)
    tmp = Path(tempfile.mkdtemp(prefix="prasan-http-"))
    db = tmp / "prasan.db"
    asyncio.run(prepare_db(f"sqlite+aiosqlite:///{db}", args.users))
    api_port, web_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    print(f"LINE webhook benchmark: {len(seq)} events from {args.users} coordinators at "
          f"{', '.join(map(str, rates))} req/s × {args.seconds:g} s; `python -m bot web` on SQLite "
          f"(WAL, synchronous=FULL); workdir {tmp}")  # fmt: skip
    print(f"mix: {mix['texts total']} texts (message events) and {mix['presses+commands']} "
          f"presses/commands (postbacks and /report); reports expected {mix['reports expected']}")  # fmt: skip
    ok = answered_all = False
    with (tmp / "fake_line.log").open("wb") as fake_log, (tmp / "server.log").open("wb") as log:
        fake = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "fake_line_api.py"),
             "--port", str(api_port), "--token", TOKEN],
            stdout=fake_log, stderr=subprocess.STDOUT, env=clean_env(),
        )  # fmt: skip
        server = subprocess.Popen(
            [sys.executable, "-m", "bot", "web"], cwd=tmp, stdout=log, stderr=subprocess.STDOUT,
            env=clean_env(LINE_CHANNEL_SECRET=SECRET, LINE_CHANNEL_ACCESS_TOKEN=TOKEN,
                          LINE_API_URL=api_url, LINE_DATA_API_URL=api_url,
                          DATABASE_URL=f"sqlite:///{db}", PORT=str(web_port)),
        )  # fmt: skip
        try:
            web_url = f"http://127.0.0.1:{web_port}"
            outcome = asyncio.run(load(phases, api_url, web_url, db, fake, server))
            if outcome is not None:
                ok, answered_all = check(phases, outcome, db, mix["reports expected"])
        finally:
            stop(server, "prasan web")
            stop(fake, "fake LINE API")
    if not (ok and answered_all):
        lines = (tmp / "server.log").read_text(errors="replace").splitlines()
        levels = Counter(word for line in lines for word in line.split()[2:3])
        print(f"server log {tmp / 'server.log'}: {dict(levels)}; last lines:")
        print("  " + "\n  ".join(lines[-8:]))
    if ok and answered_all and not args.keep:
        shutil.rmtree(tmp)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
