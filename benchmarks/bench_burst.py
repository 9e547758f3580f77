"""A reminder burst: 2,000 coordinators all answer within a minute, through signed LINE webhooks.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_burst.py
     [--users 2000] [--seconds 60] [--setups sqlite,postgresql] [--pg-url postgresql://…]
(PostgreSQL: --pg-url, else PRASAN_TEST_POSTGRES_URL; a throwaway database is made and dropped.)

Two deployments, one after the other:
- sqlite: one `prasan run` (the SQLite deployment) on a fresh file (WAL, synchronous=FULL);
- postgresql: two `prasan web` + one `prasan worker` on a fresh PostgreSQL database, the
  webhooks alternating between the two web processes (a load balancer's round robin).
Each registered coordinator sends one report text at a random moment of the minute (open
loop: on schedule, whatever the server's pace). A fake LINE API in this process answers the
replies. Printed per setup: messages/s sustained (events ÷ first send to last processed),
HTTP latency, time to reply queued (outbox row written − scheduled send) and to reply at LINE,
the event-loop lag of each web process during the burst (its /metrics histogram: the bucket
bounds of p99 and max, and ticks over 250 ms; the worker of the PostgreSQL setup serves no
/metrics, its 'event loop stalled' log lines are counted), and events lost (sent but not
processed and answered: must be 0).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import workload  # noqa: E402
from fake_line_api import build_app  # noqa: E402
from sqlalchemy import select  # noqa: E402

from storage.schema import inbox, outbox  # noqa: E402
from tests import fake_line as fl  # noqa: E402
from tests.process_support import (  # noqa: E402
    Child,
    coordinators,
    open_store,
    spawn,
    started,
    stop_all,
)

SECRET, TOKEN = fl.SECRET, fl.TOKEN


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--users", type=int, default=2000, help="coordinators, one message each")
    p.add_argument("--seconds", type=float, default=60.0, help="the answers spread over this")
    p.add_argument("--setups", default="sqlite,postgresql")
    p.add_argument("--pg-url", default=os.environ.get("PRASAN_TEST_POSTGRES_URL"))
    p.add_argument("--drain", type=float, default=180.0, help="max seconds to wait after")
    return p.parse_args(argv)


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def fake_line() -> tuple[web.AppRunner, str]:
    """The fake LINE API (benchmarks/fake_line_api.py) in this process, on a port it binds."""
    runner = web.AppRunner(build_app(TOKEN), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


def env_for(url: str, api: str) -> dict[str, str]:
    """The children's environment: the database, LINE on the fake, nothing else of ours."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k not in ("DATABASE_URL", "PORT")}  # fmt: skip
    pythonpath = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env | {
        "PYTHONPATH": pythonpath, "PYTHAINLP_OFFLINE": "1", "DATABASE_URL": url, "PORT": "0",
        "LINE_CHANNEL_SECRET": SECRET, "LINE_CHANNEL_ACCESS_TOKEN": TOKEN,
        "LINE_API_URL": api, "LINE_DATA_API_URL": api,
    }  # fmt: skip


async def lag_buckets(http: aiohttp.ClientSession, url: str) -> dict[float, float]:
    """The loop-lag histogram of a web process so far: upper bound (s) → ticks at or under."""
    async with http.get(f"{url}/metrics") as resp:
        text = await resp.text()
    out: dict[float, float] = {}
    for line in text.splitlines():
        if line.startswith("prasan_event_loop_lag_seconds_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            out[float("inf") if le == "+Inf" else float(le)] = float(line.rpartition(" ")[2])
    return out


def lag_during(before: dict[float, float], after: dict[float, float]) -> dict[str, float]:
    """Ticks in between, and the bucket bounds p99 and the max of their lag fell under."""
    diff = {le: after[le] - before.get(le, 0.0) for le in sorted(after)}
    total = diff[float("inf")]
    p99 = next(le for le, n in diff.items() if n >= 0.99 * total)
    worst = next(le for le, n in diff.items() if n >= total)
    over = total - diff[0.25]
    return {"ticks": total, "p99 <=": p99, "max <=": worst, "over 250 ms": over}


async def run_setup(name: str, url: str, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """Start the deployment, send the burst, wait for it to drain; the figures."""
    store = await open_store(url)
    people = list(await coordinators(store, args.users))
    runner, api = await fake_line()
    env = env_for(url, api)
    if name == "sqlite":
        children = [await spawn("run", env, tmp, "run1")]
    else:
        children = [await spawn("web", env, tmp, "web1"), await spawn("web", env, tmp, "web2"),
                    await spawn("worker", env, tmp, "worker1")]  # fmt: skip
    try:
        await started(children, within=120)
        rng = random.Random(2569)
        texts = list(workload.PROGRESS_TEXTS)
        plan = sorted(
            (rng.uniform(0, args.seconds), user, workload.dated(rng.choice(texts), n))
            for n, user in enumerate(people)
        )
        return await burst(plan, children, store, api, args)
    finally:
        await stop_all(children)
        await runner.cleanup()
        await store.close()


async def burst(
    plan: list[tuple[float, str, str]], children: list[Child], store: Any, api: str,
    args: argparse.Namespace,
) -> dict[str, Any]:  # fmt: skip
    """Send on schedule, wait for the backlog; the figures (loop lag from /metrics)."""
    webs = [c for c in children if c.port is not None]  # `run` serves the web too
    sent_at: dict[str, float] = {}
    tokens: dict[str, str] = {}
    http_ms: list[float] = []
    statuses: dict[int, int] = {}
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        before = {w.name: await lag_buckets(http, w.url) for w in webs}
        logged = {c.name: len(c.lines) for c in children}

        async def send(i: int, at: float, user: str, text: str, start: float) -> None:
            await asyncio.sleep(max(0.0, start + at - time.monotonic()))
            event = fl.text_event(user, text, uuid.uuid4().hex)
            tokens[event["webhookEventId"]] = event["replyToken"]
            raw = fl.body(event)
            headers = {"X-Line-Signature": fl.sign(raw), "Content-Type": "application/json"}
            scheduled = time.time() - (time.monotonic() - (start + at))
            sent_at[event["webhookEventId"]] = scheduled
            async with http.post(f"{webs[i % len(webs)].url}/webhooks/line", data=raw,
                                 headers=headers) as resp:  # fmt: skip
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
            http_ms.append((time.time() - scheduled) * 1000)

        start = time.monotonic() + 0.5
        first = time.time() + 0.5
        await asyncio.gather(*(send(i, at, u, t, start) for i, (at, u, t) in enumerate(plan)))
        sent_done = time.time()
        deadline = time.monotonic() + args.drain
        done = 0
        while time.monotonic() < deadline:
            done = await processed(store, list(sent_at))
            if done == len(sent_at):
                break
            await asyncio.sleep(1.0)
        await asyncio.sleep(2.0)  # the last replies reach LINE
        after = {w.name: await lag_buckets(http, w.url) for w in webs}
        async with http.get(f"{api}/stats") as resp:
            stats = await resp.json()
    queued, last = await reply_times(store, sent_at)
    at_line = [stats["tokens"][tok] - sent_at[e] for e, tok in tokens.items()
               if tok in stats["tokens"]]  # fmt: skip
    return {
        "events": len(plan), "http": statuses, "processed": done, "sent in s": sent_done - first,
        "lost": len(plan) - len(queued), "msg/s": len(queued) / max(1e-9, last - first),
        "drained in s": last - first, "http ms": http_ms, "queued s": list(queued.values()),
        "at LINE s": at_line,
        "replies at LINE": stats["calls"].get("reply", 0), "pushes": stats["calls"].get("push", 0),
        "lag": {w: lag_during(before[w], after[w]) for w in after},
        "stalls logged": sum(1 for c in children for line in c.lines[logged[c.name]:]
                             if "event loop stalled" in line),
    }  # fmt: skip


async def processed(store: Any, event_ids: list[str]) -> int:
    """How many of these events the inbox holds as processed."""
    async with store.tx() as tx:
        rows = await tx.conn.execute(
            select(inbox.c.event_id).where(
                inbox.c.channel == "line", inbox.c.processed_at.is_not(None)
            )
        )
        done = {e for (e,) in rows}
    return len(done.intersection(event_ids))


async def reply_times(store: Any, sent_at: dict[str, float]) -> tuple[dict[str, float], float]:
    """Seconds from each event's scheduled send to its reply row; and the last row's time."""
    async with store.tx() as tx:
        rows = (
            await tx.conn.execute(
                select(outbox.c.dedupe_key, outbox.c.created_at).where(
                    outbox.c.dedupe_key.like("reply:line:%")
                )
            )
        ).all()
    out: dict[str, float] = {}
    last = 0.0
    for key, created in rows:
        event = key.removeprefix("reply:line:")
        if event in sent_at:
            when = _epoch(created)
            out[event] = when - sent_at[event]
            last = max(last, when)
    return out, last


def _epoch(value: Any) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return float(value.timestamp())


def show(name: str, r: dict[str, Any]) -> None:
    """One block of figures."""
    q, h = r["queued s"], r["http ms"]
    print(f"\n== {name}: {r['events']} events over {r['sent in s']:.1f} s; HTTP {r['http']}")
    print(f"processed {r['processed']}, replies queued {len(q)}, lost {r['lost']}; "
          f"replies at LINE {r['replies at LINE']} (+{r['pushes']} pushes)")  # fmt: skip
    print(f"sustained {r['msg/s']:.1f} msg/s (first send → last reply queued "
          f"{r['drained in s']:.1f} s)")  # fmt: skip
    if q:
        print(f"time to reply queued: p50 {pct(q, .5) * 1000:.0f} ms, p99 {pct(q, .99) * 1000:.0f}"
              f" ms, max {max(q) * 1000:.0f} ms")  # fmt: skip
    if r["at LINE s"]:
        a = r["at LINE s"]
        print(
            f"time to reply at LINE: p50 {pct(a, 0.5) * 1000:.0f} ms, p99 {pct(a, 0.99) * 1000:.0f} ms"
        )
    if h:
        print(
            f"HTTP (from the scheduled send): p50 {pct(h, 0.5):.0f} ms, p99 {pct(h, 0.99):.0f} ms"
        )
    for w, lag in r["lag"].items():
        print(f"loop lag {w}: {lag['ticks']:.0f} ticks of 10 ms; p99 <= {lag['p99 <='] * 1000:g} "
              f"ms, max <= {lag['max <='] * 1000:g} ms (histogram buckets); over 250 ms: "
              f"{lag['over 250 ms']:.0f}")  # fmt: skip
    print(f"'event loop stalled' log lines during the burst (all processes): {r['stalls logged']}")
    if q:
        print(f"mean time to reply queued {statistics.fmean(q):.2f} s")


async def main_async(args: argparse.Namespace) -> int:
    """Each setup in turn."""
    ok = True
    for name in [s.strip() for s in args.setups.split(",") if s.strip()]:
        with tempfile.TemporaryDirectory(prefix=f"prasan-burst-{name}-") as tmp:
            if name == "sqlite":
                result = await run_setup(name, f"sqlite:///{Path(tmp) / 'prasan.db'}", args,
                                         Path(tmp))  # fmt: skip
            else:
                if not args.pg_url:
                    print("postgresql: skipped (no --pg-url / PRASAN_TEST_POSTGRES_URL)")
                    continue
                os.environ["PRASAN_TEST_POSTGRES_URL"] = args.pg_url
                from tests.databases import postgres_database

                with postgres_database() as url:
                    result = await run_setup(name, url, args, Path(tmp))
        show(name, result)
        ok &= result["lost"] == 0
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit 1 if an event was lost."""
    args = parse_args(argv)
    print(f"reminder burst: {args.users} coordinators answer within {args.seconds:g} s "
          f"(signed LINE webhooks); {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
