"""LINE webhooks over HTTP as fast as they are answered: `prasan web` against a bare handler.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_line_ceiling.py
     [--events 3000] [--concurrency 20] [--users 200]

Issue 15's target: `prasan web` with signed one-event requests from a load generator in
another process sustains at least half of what a bare aiohttp handler doing only the
signature check sustains, in the same run, with 0 events lost.

Closed loop: `--concurrency` senders, each owning a share of the coordinators and sending
their events in order (as LINE delivers one user's events), each waiting for the answer
before sending the next. The bare handler (benchmarks/bare_line_webhook.py) runs first, then
`prasan web` on a fresh SQLite file (WAL, synchronous=FULL) with the fake LINE API of
bench_line_http.py answering its replies. For Prasan two rates are given: accepted (HTTP 200,
the event durably in the inbox) and sustained (every event processed and its reply queued,
measured until the inbox has no unprocessed event). The ratio uses the sustained rate.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

from bench_line_http import (  # noqa: E402
    free_port,
    prepare_db,
    start_fake_and_web,
    stop,
    wait_ready,
)
from line_http_load import SECRET, Event, build_phases  # noqa: E402
from line_http_results import drain, pct  # noqa: E402


async def hammer(url: str, events: list[Event], users: int, concurrency: int) -> dict[str, float]:
    """Send every event closed loop; returns seconds, ok count and latency percentiles."""
    lanes: list[list[Event]] = [[] for _ in range(concurrency)]
    for event in events:
        lanes[event.msg.user % concurrency].append(event)
    latencies: list[float] = []
    failed = 0

    async def lane(session: aiohttp.ClientSession, mine: list[Event]) -> None:
        nonlocal failed
        for event in mine:
            headers = {"Content-Type": "application/json", "X-Line-Signature": event.signature}
            t0 = time.perf_counter()
            try:
                async with session.post(url, data=event.body, headers=headers) as resp:
                    await resp.read()
                    failed += resp.status != 200
            except (aiohttp.ClientError, TimeoutError):
                failed += 1
            latencies.append((time.perf_counter() - t0) * 1000)

    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector,
                                     timeout=aiohttp.ClientTimeout(total=60)) as session:  # fmt: skip
        start = time.perf_counter()
        await asyncio.gather(*(lane(session, mine) for mine in lanes))
        seconds = time.perf_counter() - start
    return {"seconds": seconds, "ok": len(events) - failed, "failed": failed,
            "p50": pct(latencies, 0.5), "p99": pct(latencies, 0.99)}  # fmt: skip


async def ready(url: str, proc: subprocess.Popen[bytes], what: str) -> None:
    """Wait for /healthz."""
    async with aiohttp.ClientSession() as session:
        await wait_ready(session, url, proc, what)


def main(argv: list[str] | None = None) -> int:
    """Both servers, one after the other, then the table and the ratio."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--events", type=int, default=3000)
    p.add_argument("--concurrency", type=int, default=20)
    p.add_argument("--users", type=int, default=200)
    args = p.parse_args(argv)
    phases, _seq = build_phases([args.events], 1.0, args.users)
    warmup, main_events = phases[0].events, phases[1].events
    tmp = Path(tempfile.mkdtemp(prefix="prasan-ceiling-"))
    print(f"LINE webhook ceiling: {len(main_events)} one-event requests from {args.users} "
          f"coordinators, {args.concurrency} in flight (closed loop); workdir {tmp}")  # fmt: skip

    # The bare handler: signature check only.
    port = free_port()
    with (tmp / "bare.log").open("wb") as log:
        bare = subprocess.Popen(
            [sys.executable, str(ROOT / "benchmarks" / "bare_line_webhook.py"),
             "--port", str(port), "--secret", SECRET], stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            asyncio.run(ready(f"http://127.0.0.1:{port}/healthz", bare, "bare handler"))
            url = f"http://127.0.0.1:{port}/webhooks/line"
            asyncio.run(hammer(url, warmup, args.users, args.concurrency))
            bare_run = asyncio.run(hammer(url, main_events, args.users, args.concurrency))
        finally:
            stop(bare, "bare handler")

    # prasan web, with the fake LINE API for its replies.
    db = tmp / "prasan.db"
    asyncio.run(prepare_db(f"sqlite+aiosqlite:///{db}", args.users))
    api_port, web_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{api_port}"
    with (tmp / "fake.log").open("wb") as fake_log, (tmp / "server.log").open("wb") as log:
        fake, server = start_fake_and_web(tmp, db, api_port, web_port, fake_log, log)
        try:
            asyncio.run(ready(f"{api_url}/stats", fake, "fake LINE API"))
            asyncio.run(ready(f"http://127.0.0.1:{web_port}/healthz", server, "prasan web"))
            url = f"http://127.0.0.1:{web_port}/webhooks/line"
            asyncio.run(hammer(url, warmup, args.users, args.concurrency))
            asyncio.run(drain(db, {e.event_id for e in warmup}))
            start = time.perf_counter()
            ours = asyncio.run(hammer(url, main_events, args.users, args.concurrency))
            ids = {e.event_id for e in main_events}
            present, processed, _ = asyncio.run(drain(db, ids))
            sustained_s = time.perf_counter() - start
        finally:
            stop(server, "prasan web")
            stop(fake, "fake LINE API")

    n = len(main_events)
    bare_rate = bare_run["ok"] / bare_run["seconds"]
    accepted = ours["ok"] / ours["seconds"]
    sustained = processed / sustained_s
    print("| server | events | HTTP 200 | req/s | HTTP p50 ms | HTTP p99 ms |")
    print("|---|---|---|---|---|---|")
    print(f"| bare aiohttp, signature only | {n} | {bare_run['ok']:.0f} | {bare_rate:,.0f} | "
          f"{bare_run['p50']:.1f} | {bare_run['p99']:.1f} |")  # fmt: skip
    print(f"| prasan web, accepted (in the inbox) | {n} | {ours['ok']:.0f} | {accepted:,.0f} | "
          f"{ours['p50']:.1f} | {ours['p99']:.1f} |")  # fmt: skip
    print(f"| prasan web, sustained (all processed) | {n} | {processed} processed | "
          f"{sustained:,.0f} | | |")  # fmt: skip
    lost = n - present
    print(f"\nprasan sustained / bare = {sustained / bare_rate:.2f}x (target >= 0.50x); "
          f"accepted / bare = {accepted / bare_rate:.2f}x; events lost: {lost}; "
          f"unprocessed: {present - processed}")  # fmt: skip
    if lost == 0 and processed == n:
        shutil.rmtree(tmp)
    return 0 if lost == 0 and processed == n else 1


if __name__ == "__main__":
    sys.exit(main())
