"""The outcome of `bench_line_http.py`: the backlog, the result table and the checks.

Reads the server's SQLite file (read-only) to wait for the backlog and count what arrived,
then prints one row per rate step and whether any event was lost or left unanswered.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections import Counter
from pathlib import Path
from typing import Any

from line_http_load import Phase

DRAIN_TIMEOUT = 120.0  # seconds to wait for the backlog after the last request


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


def errors(db: Path) -> dict[str, int]:
    """Outbox rows on LINE not marked sent, by their last error."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        rows = conn.execute(
            "select coalesce(last_error, status), count(*) from outbox"
            " where channel = 'line' and status != 'sent' group by 1"
        )
        return {str(error): int(n) for error, n in rows}


def pct(values: list[float], q: float) -> float:
    """Percentile of a list (nan when empty)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))]


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
