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

This script sets up and runs the processes; the load generator is in line_http_load.py,
the backlog, the result table and the checks in line_http_results.py.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import IO, Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import workload  # noqa: E402
from line_http_load import SECRET, TOKEN, Phase, build_phases, line_user, run_phase  # noqa: E402
from line_http_results import check, drain  # noqa: E402

from bot.demo import DEMO_AREAS, load_demo  # noqa: E402
from storage.store import Store  # noqa: E402


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


def start_fake_and_web(
    tmp: Path, db: Path, api_port: int, web_port: int, fake_log: IO[bytes], log: IO[bytes]
) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
    """The fake LINE API and `python -m bot web` on `db`, pointed at it."""
    api_url = f"http://127.0.0.1:{api_port}"
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
    return fake, server


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
        fake, server = start_fake_and_web(tmp, db, api_port, web_port, fake_log, log)
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
