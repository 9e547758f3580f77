"""Every supervisor's and admin's daily and weekly digest over two years of history, on SQLite.

    PYTHAINLP_OFFLINE=1 .venv/bin/python benchmarks/bench_digests.py [--reports 100000]

Builds a database of 60 areas, 300 people (255 coordinators, 35 supervisors by province
or district, 10 admins over everything) and 100,000 reports spread over two years
(one in five a problem, a third of those still open), then times, in one process:
every reader's daily digest, every reader's weekly digest (data), the weekly charts
(one per scope), and the daily job as the scheduler runs it (preview: rendered in
each reader's language, rolled back). The same daily digests are first timed without
the digest indexes of migration 0008 (the baseline), then with them. Peak memory is
Python's allocation peak (tracemalloc) during the digests, and the process's max RSS.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.clock import MovableClock
from bot.config import load_settings
from bot.demo import districts_csv, load_geography
from bot.digest import DailyFacts, build_daily
from bot.digest_weekly import WeeklyFacts, build_weekly, chart_png, week_covered
from bot.jobs import preview_job
from bot.jobs.digests import DAILY
from bot.workdays import load_calendar
from storage.store import Store

BKK = ZoneInfo("Asia/Bangkok")
NOW = datetime(2026, 12, 1, 8, 0, tzinfo=BKK)  # a Tuesday morning
WORDS = ("เวที", "รับฟัง", "ปัญหา", "ชาวบ้าน", "เยาวชน", "ยาเสพติด", "งบประมาณ", "ถนน", "น้ำท่วม",
         "มัสยิด", "ผู้นำ", "ศาสนา", "อาชีพ", "ยางพารา", "ประมง", "สตรี", "ความปลอดภัย")  # fmt: skip
INDEXES = ("ix_reports_kind_created_at", "ix_reports_open_problems",
           "ix_reports_area_kind_created_at")  # fmt: skip


def populate(path: Path, n_reports: int, rng: random.Random) -> None:
    """Areas, people, scopes and reports written with plain sqlite3 in one transaction."""
    db = sqlite3.connect(path)
    districts = db.execute("SELECT id, province_id FROM districts ORDER BY id").fetchall()
    created = "2024-01-01 00:00:00.000000"
    areas = []
    for i in range(60):
        did, _ = districts[i % len(districts)]
        cur = db.execute("INSERT INTO areas (code, name, district_id, active) VALUES (?,?,?,1)",
                         (f"A{i:03d}", f"พื้นที่ทดสอบ {i}", did))  # fmt: skip
        areas.append(cur.lastrowid)
    people = []
    provinces = sorted({p for _, p in districts})
    for i in range(300):
        role = "admin" if i < 10 else "supervisor" if i < 45 else "coordinator"
        lang = ("th", "th", "en", "ms")[i % 4]
        cur = db.execute("INSERT INTO people (name, role, language, active, created_at) "
                         "VALUES (?,?,?,1,?)", (f"คนที่ {i}", role, lang, created))  # fmt: skip
        pid = cur.lastrowid
        if role == "admin":
            scope = [("all", None)]
        elif role == "supervisor":
            scope = ([("province", provinces[i % len(provinces)])] if i % 2 else
                     [("district", districts[i % len(districts)][0])])  # fmt: skip
        else:
            scope = [("area", areas[i % 60])] + (
                [("area", areas[(i + 7) % 60])] if i % 3 == 0 else []
            )
        db.executemany("INSERT INTO person_scopes (person_id, scope, ref_id) VALUES (?,?,?)",
                       [(pid, s, r) for s, r in scope])  # fmt: skip
        db.execute("INSERT INTO identities (channel, external_id, person_id, active, failed_codes,"
                   " created_at) VALUES ('console', ?, ?, 1, 0, ?)", (f"p{pid}", pid, created))  # fmt: skip
        people.append((pid, role))
    coordinators = [p for p, r in people if r == "coordinator"]
    start = NOW.astimezone(UTC) - timedelta(days=730)
    rows = []
    for _ in range(n_reports):
        at = start + timedelta(seconds=rng.randrange(730 * 86400))
        obstacle = rng.random() < 0.2
        status = ("open" if rng.random() < 0.33 else "resolved") if obstacle else "submitted"
        tokens = rng.sample(WORDS, 5)
        rows.append((
            "obstacle" if obstacle else "progress", rng.choice(coordinators), rng.choice(areas),
            " ".join(tokens), " ".join(tokens), '["' + '","'.join(tokens) + '"]',
            rng.choice(("budget", "security", "other")) if obstacle else None,
            rng.choice(("low", "medium", "high")) if obstacle else None,
            None if obstacle else rng.randrange(5, 80), "[]", status, "line",
            at.strftime("%Y-%m-%d %H:%M:%S.%f"),
        ))  # fmt: skip
    db.executemany(
        "INSERT INTO reports (kind, person_id, area_id, raw_text, norm_text, tokens, category,"
        " severity, participants, photos, status, channel, created_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows,
    )  # fmt: skip
    db.commit()
    db.execute("ANALYZE")
    db.close()


async def readers(store: Store) -> list[int]:
    async with store.tx() as tx:
        return [p for p, _, _ in await tx.active_people(("supervisor", "admin"))]


async def time_daily(store: Store, ids: list[int], shared: bool = True) -> float:
    """Every reader's daily digest in one transaction, as the job builds them."""
    t0 = time.perf_counter()
    async with store.tx() as tx:
        calendar = await load_calendar(tx)
        facts = DailyFacts(tx) if shared else None
        for pid in ids:
            await build_daily(tx, pid, NOW, BKK, calendar, facts)
    return time.perf_counter() - t0


async def time_weekly(store: Store, ids: list[int]) -> float:
    """Every reader's weekly digest (data only) in one transaction, as the job builds them."""
    t0 = time.perf_counter()
    async with store.tx() as tx:
        facts = WeeklyFacts(tx, week_covered(NOW.date()), NOW.date(), BKK)
        for pid in ids:
            await build_weekly(tx, pid, NOW.date(), BKK, None, facts)
    return time.perf_counter() - t0


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--reports", type=int, default=100_000)
    args = parser.parse_args()
    rng = random.Random(8)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.db"
        url = f"sqlite+aiosqlite:///{path}"
        store = await Store.open(url)
        async with store.tx() as tx:
            await load_geography(tx)
        await store.close()
        t0 = time.perf_counter()
        populate(path, args.reports, rng)
        print(f"built {args.reports:,} reports, 60 areas, 300 people, "
              f"{len(districts_csv())} districts in {time.perf_counter() - t0:.1f} s")  # fmt: skip

        raw = sqlite3.connect(path)
        kept = [raw.execute("SELECT sql FROM sqlite_master WHERE name = ?", (n,)).fetchone()[0]
                for n in INDEXES]  # fmt: skip
        for name in INDEXES:
            raw.execute(f"DROP INDEX {name}")
        raw.commit()
        store = await Store.open(url, migrate=False)
        store.clock = MovableClock(NOW)
        ids = await readers(store)
        await time_daily(store, ids)  # warm caches (statements, calendar) on both sides alike
        baseline = min([await time_daily(store, ids) for _ in range(3)])
        await store.close()
        for sql in kept:
            raw.execute(sql)
        raw.execute("ANALYZE")
        raw.commit()
        raw.close()

        store = await Store.open(url, migrate=False)
        store.clock = MovableClock(NOW)
        settings = load_settings(DATABASE_URL=url)
        await time_daily(store, ids)
        daily = min([await time_daily(store, ids) for _ in range(3)])
        unshared = min([await time_daily(store, ids, shared=False) for _ in range(3)])
        weekly = min([await time_weekly(store, ids) for _ in range(3)])
        tracemalloc.start()  # a separate pass: tracing slows Python down
        await time_daily(store, ids)
        await time_weekly(store, ids)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        t0 = time.perf_counter()
        scopes = {}
        async with store.tx() as tx:
            facts = WeeklyFacts(tx, week_covered(NOW.date()), NOW.date(), BKK)
            for pid in ids:
                areas = await tx.areas_of_person(pid)
                key = frozenset(a.id for a in areas)
                if key not in scopes:
                    scopes[key] = await chart_png(areas, facts, "th")
        charts = time.perf_counter() - t0
        t0 = time.perf_counter()
        previews = await preview_job(store, DAILY, settings, at=NOW)
        job = time.perf_counter() - t0
        await store.close()

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = len(ids)
    print(f"\n{n} readers (supervisors + admins), {args.reports:,} reports over two years\n")
    print("| what | total | per reader |")
    print("|---|---|---|")
    print(f"| daily digests, baseline (no digest indexes) | {baseline * 1000:.0f} ms | "
          f"{baseline / n * 1000:.1f} ms |")  # fmt: skip
    print(f"| daily digests, each reader's own queries (indexed) | {unshared * 1000:.0f} ms | "
          f"{unshared / n * 1000:.1f} ms |")  # fmt: skip
    print(f"| **daily digests** (shared queries, indexed) | {daily * 1000:.0f} ms | "
          f"{daily / n * 1000:.1f} ms |")  # fmt: skip
    print(f"| weekly digests (data) | {weekly * 1000:.0f} ms | {weekly / n * 1000:.1f} ms |")
    print(f"| weekly charts ({len(scopes)} scopes) | {charts * 1000:.0f} ms | "
          f"{charts / len(scopes) * 1000:.0f} ms a chart |")  # fmt: skip
    print(f"| daily job as scheduled ({len(previews)} digests rendered) | {job * 1000:.0f} ms | "
          f"{job / max(1, len(previews)) * 1000:.1f} ms |")  # fmt: skip
    print(f"\nbaseline / indexed daily: {baseline / daily:.1f}x; goal all daily digests < 1 s: "
          f"{'met' if daily < 1 else 'MISSED'}")  # fmt: skip
    print(f"peak Python allocations during the digests: {peak / 2**20:.1f} MiB; "
          f"max RSS of the process: {rss:.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
