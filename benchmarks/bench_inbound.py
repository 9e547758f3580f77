"""Inbound path throughput and latency: Prasan against a python-telegram-bot baseline.

Run: PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_inbound.py [--messages N]
     [--coordinators N] [--in-flight 1,50] [--profile] [--baseline-unserialised]
(or `python3 dev.py bench`, which runs every benchmarks/bench_*.py).

Both sides replay the same messages (benchmarks/workload.py: half typed, half pressed)
from simulated coordinators, on fresh SQLite files with durability on:
- Prasan: `runtime.inbound.receive(Incoming)` — inbox, identity, flow step, NLP, one
  transaction, reply queued and handed to a null channel — on WAL, synchronous=FULL.
- baseline: `telegram.Update` objects through PTB's ConversationHandler + PicklePersistence,
  newmm tokenising, one aiosqlite insert + commit per report (benchmarks/baseline_ptb.py).
Each side runs with one message in flight and with 50 (50 workers, each owning a fixed
set of coordinators, so every coordinator's messages stay in order). Latency is per
message, from submit to completion. After each run the stored reports are counted and
must equal the number of Send presses in the workload.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
for entry in (ROOT, ROOT / "benchmarks"):
    if str(entry) not in sys.path:
        sys.path.insert(0, str(entry))

import workload  # noqa: E402
from baseline_ptb import Baseline, callback_update, message_update  # noqa: E402
from floor import Trace, replay, snapshot  # noqa: E402
from inbound_report import Result, print_mix, print_profile, print_table, writer_profiled  # noqa: E402
from sqlalchemy import text  # noqa: E402
from workload import Msg  # noqa: E402

from bot import heap, nlp  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.demo import DEMO_AREAS, load_demo  # noqa: E402
from bot.messages import Incoming, Outgoing  # noqa: E402
from bot.runtime import Runtime  # noqa: E402

WARMUP_MESSAGES = 10  # one full cycle from an extra coordinator, before the clock starts


class ErrorCount(logging.Handler):
    """Counts ERROR records (a failed message is logged, then apologised for)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """Count it."""
        self.count += 1


ERRORS = ErrorCount()


class NullChannel:
    """A channel named "bench" whose send does nothing but count."""

    name = "bench"

    def __init__(self) -> None:
        self.sends = 0

    async def send(
        self,
        recipient: str,
        messages: Sequence[Outgoing],
        *,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> None:
        """Accept the messages."""
        self.sends += 1


async def drive(
    queues: list[list[tuple[Msg, Any]]], handle: Callable[[Any], Awaitable[object]]
) -> tuple[float, list[float], Counter[str]]:
    """Feed each queue from its own task; returns wall seconds, latencies and the role mix."""
    latencies: list[float] = []
    roles: Counter[str] = Counter()

    async def worker(queue: list[tuple[Msg, Any]]) -> None:
        clock = time.perf_counter
        for msg, payload in queue:
            t0 = clock()
            await handle(payload)
            latencies.append(clock() - t0)
            roles[msg.role] += 1

    start = time.perf_counter()
    await asyncio.gather(*(worker(q) for q in queues))
    return time.perf_counter() - start, latencies, roles


def queues_for(seq: list[tuple[Msg, Any]], in_flight: int) -> list[list[tuple[Msg, Any]]]:
    """One queue for 1 in flight; else a queue per worker, each owning whole coordinators."""
    if in_flight <= 1:
        return [seq]
    queues: list[list[tuple[Msg, Any]]] = [[] for _ in range(in_flight)]
    for item in seq:
        queues[item[0].user % in_flight].append(item)
    return [q for q in queues if q]


# ---- Prasan ------------------------------------------------------------------------------


async def prasan_runtime(workdir: Path, coordinators: int) -> tuple[Runtime, NullChannel]:
    """A runtime on a fresh SQLite file: demo data plus coordinators linked on "bench"."""
    settings = load_settings(DATABASE_URL=f"sqlite:///{workdir / 'prasan.db'}")
    runtime = await Runtime.create(settings)
    await load_demo(runtime.store)
    channel = NullChannel()
    runtime.add_channel(channel)
    async with runtime.store.tx() as tx:
        area_ids = []
        for code, *_ in DEMO_AREAS:
            area = await tx.area_by_code(code)
            assert area is not None
            area_ids.append(area.id)
        for u in range(coordinators + 1):  # the last one only warms up
            pid = await tx.create_person(f"ผู้ประสานงาน {u:04d}", "coordinator",
                                         [["area", area_ids[u % len(area_ids)]]])  # fmt: skip
            ident = await tx.ensure_identity("bench", f"c{u}")
            await tx.update_identity(ident.id, person_id=pid)
    nlp.warm_up()
    heap.settle()  # as `prasan run` does once started
    return runtime, channel


def incoming(msg: Msg, run: str) -> Incoming:
    """The normalised message a channel adapter would hand to the inbound path."""
    return Incoming(channel="bench", user_id=f"c{msg.user}", text=msg.text, data=msg.data,
                    event_id=f"{run}-{msg.user}-{msg.seq}")  # fmt: skip


async def prasan_count(runtime: Runtime, sql: str) -> int:
    """One integer from the database."""
    async with runtime.store.tx() as tx:
        return int((await tx.conn.execute(text(sql))).scalar_one())


async def run_prasan(
    seq: list[Msg], coordinators: int, in_flight: int, profile: bool = False
) -> Result:
    """Replay the workload through Prasan's inbound path."""
    with (
        tempfile.TemporaryDirectory(prefix="prasan-bench-") as tmp,
        writer_profiled(profile) as writer,
    ):
        runtime, channel = await prasan_runtime(Path(tmp), coordinators)
        try:
            nlp.warm_up()
            warm = workload.coordinator_script(coordinators, WARMUP_MESSAGES)
            for m in warm:
                await runtime.inbound.receive(incoming(m, "warm"))
            before = await prasan_count(runtime, "select count(*) from reports")
            sends_before, errors_before = channel.sends, ERRORS.count
            items = [(m, incoming(m, "run")) for m in seq]
            before_run = Path(tmp) / "before-run.db"
            snapshot(Path(tmp) / "prasan.db", before_run)
            trace = Trace()
            trace.attach(runtime.store)
            profiler = cProfile.Profile() if profile else None
            if profiler is not None:
                profiler.enable()
            seconds, latencies, roles = await drive(
                queues_for(items, in_flight), runtime.inbound.receive
            )
            if profiler is not None:
                profiler.disable()
                print_profile(profiler, "Prasan 1 in flight, the event loop's thread")
            trace.detach()
            reports = await prasan_count(runtime, "select count(*) from reports") - before
            unprocessed = await prasan_count(
                runtime, "select count(*) from inbox where processed_at is null"
            )
            result = Result("prasan", in_flight, seconds, latencies, roles, reports,
                            sum(m.stores for m in seq), channel.sends - sends_before,
                            ERRORS.count - errors_before + unprocessed)  # fmt: skip
            if unprocessed:
                result.notes.append(f"{unprocessed} inbox rows left unprocessed")
            result.commits = trace.commits
            result.floor_seconds = replay(before_run, trace.ops)
            return result
        finally:
            await runtime.close()
            if profile:  # the writer's profile ends with its thread, at close
                for one in writer:
                    print_profile(one, "Prasan 1 in flight, the writer thread (whole run)")


# ---- baseline ----------------------------------------------------------------------------


def tg_update(msg: Msg, update_id: int) -> dict[str, Any]:
    """The Bot API update a Telegram client would produce for this message."""
    user_id = 10_000 + msg.user
    if msg.data is not None:
        return callback_update(update_id, user_id, msg.data)
    assert msg.text is not None
    return message_update(update_id, user_id, msg.text)


async def run_baseline(
    seq: list[Msg], coordinators: int, in_flight: int, direct: bool = False
) -> Result:
    """Replay the workload through the PTB baseline."""
    area_names = [name for _code, name, *_ in DEMO_AREAS]
    people = {10_000 + u: {"area": area_names[u % len(area_names)]}
              for u in range(coordinators + 1)}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="ptb-bench-") as tmp:
        base = Baseline(Path(tmp), people)
        await base.start()
        try:
            warm = workload.coordinator_script(coordinators, WARMUP_MESSAGES)
            for i, m in enumerate(warm):
                await base.handle(base.update(tg_update(m, 1_000_000 + i)))
            before, calls_before = await base.reports(), Counter(base.request.calls)
            errors_before = base.errors
            items = [(m, base.update(tg_update(m, 2 * i + 2))) for i, m in enumerate(seq)]
            handle = base.handle_direct if direct else base.handle
            seconds, latencies, roles = await drive(queues_for(items, in_flight), handle)
            reports = await base.reports() - before
            calls = base.request.calls - calls_before
            replies = calls["sendMessage"] + calls["editMessageText"]
            side = "baseline, unserialised" if direct else "baseline (PTB)"
            return Result(side, in_flight, seconds, latencies, roles, reports,
                          sum(m.stores for m in seq), replies, base.errors - errors_before)  # fmt: skip
        finally:
            await base.stop()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line flags."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--messages", type=int, default=20_000, help="messages per run (20000)")
    p.add_argument("--coordinators", type=int, default=500, help="simulated coordinators (500)")
    p.add_argument("--in-flight", default="1,50", help="concurrency levels, comma-separated")
    p.add_argument("--side", choices=("both", "prasan", "baseline"), default="both")
    p.add_argument("--profile", action="store_true",
                   help="cProfile Prasan's 1-in-flight run and print the top costs")  # fmt: skip
    p.add_argument("--baseline-unserialised", action="store_true",
                   help="also run the baseline calling process_update directly from each task")  # fmt: skip
    return p.parse_args(argv)


async def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table; exit 1 when a run failed its checks."""
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger().addHandler(ERRORS)
    levels = [int(x) for x in args.in_flight.split(",") if x.strip()]
    seq = workload.build(args.messages, args.coordinators)
    print(f"inbound benchmark: {len(seq)} messages from {args.coordinators} coordinators, "
          f"in flight {', '.join(map(str, levels))}; SQLite WAL, synchronous=FULL")  # fmt: skip
    print_mix(seq)
    results: list[Result] = []
    for n in levels:
        if args.side in ("both", "prasan"):
            print(f"» prasan, {n} in flight …", flush=True)
            results.append(await run_prasan(seq, args.coordinators, n, args.profile and n == 1))
        if args.side in ("both", "baseline"):
            print(f"» baseline (PTB), {n} in flight …", flush=True)
            results.append(await run_baseline(seq, args.coordinators, n))
            if args.baseline_unserialised and n > 1:
                print(f"» baseline, process_update direct, {n} in flight …", flush=True)
                results.append(await run_baseline(seq, args.coordinators, n, direct=True))
    print_table(results)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
