"""bench_inbound's results: one run's figures, the table with the targets, the profiles."""

from __future__ import annotations

import cProfile
import io
import pstats
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import workload
from workload import Msg

import storage.writer

# Issue 15: ours/baseline >= 1.0x at 1 in flight, >= 2x at 50; ours/floor >= 60 % at 1
# in flight, >= 40 % at 50 (levels in between take the 50-in-flight target).
TARGET_BASELINE = {1: 1.0}, 2.0
TARGET_FLOOR = {1: 0.60}, 0.40


@dataclass
class Result:
    """One timed run."""

    side: str
    in_flight: int
    seconds: float
    latencies: list[float]
    mix: Counter[str]
    reports: int
    expected: int
    replies: int
    errors: int
    notes: list[str] = field(default_factory=list)
    floor_seconds: float | None = None  # the same SQL replayed in raw sqlite3 (floor.py)
    commits: int = 0

    @property
    def rate(self) -> float:
        """Messages per second."""
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def pct(self, q: float) -> float:
        """Latency percentile in ms."""
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1)))] * 1000

    @property
    def ok(self) -> bool:
        """Every report stored, every message answered, nothing failed."""
        return (
            self.reports == self.expected
            and self.errors == 0
            and self.replies >= len(self.latencies)
        )


@contextmanager
def writer_profiled(enabled: bool) -> Iterator[list[cProfile.Profile]]:
    """When enabled, cProfile each writer thread started inside the block (the thread the
    jobs run on: a profile of the loop thread alone shows it waiting)."""
    profiles: list[cProfile.Profile] = []
    if not enabled:
        yield profiles
        return
    original = storage.writer.ThreadWriter._main

    def main(self: storage.writer.ThreadWriter) -> None:
        profiler = cProfile.Profile()
        profiles.append(profiler)
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    storage.writer.ThreadWriter._main = main  # type: ignore[method-assign]
    try:
        yield profiles
    finally:
        storage.writer.ThreadWriter._main = original  # type: ignore[method-assign]


# Where own time goes, by kind of code: (group, test on "filename:function").
PROFILE_GROUPS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("SQLite commit (fsync)", lambda k: "sqlite3.Connection" in k and "commit" in k),
    ("SQLite execute/fetch (C)", lambda k: "sqlite3." in k),
    ("SQLAlchemy", lambda k: "/sqlalchemy/" in k),
    ("aiosqlite / threads", lambda k: "/aiosqlite/" in k or "threading.py" in k),
    ("Thai NLP (bot.nlp, pythainlp, nlpo3)", lambda k: any(
        p in k for p in ("/bot/nlp/", "/pythainlp/", "nlpo3"))),
    ("handlers/ (flows)", lambda k: "/handlers/" in k),
    ("storage/ (queries)", lambda k: "/storage/" in k),
    ("bot/ (inbound, outbox, messages, i18n)", lambda k: "/bot/" in k),
    ("babel (translations)", lambda k: "/babel/" in k),
    ("asyncio event loop", lambda k: "/asyncio/" in k),
    ("json / dataclasses / re / datetime", lambda k: any(
        p in k for p in ("/json/", "dataclasses.py", "re.Pattern", "/re/", "datetime"))),
)  # fmt: skip


def profile_groups(stats: pstats.Stats) -> list[tuple[str, float]]:
    """Own time summed per group of code, largest first."""
    totals: dict[str, float] = {}
    for (filename, _line, func), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        key = f"{filename}:{func}"
        group = next((name for name, test in PROFILE_GROUPS if test(key)), "other")
        totals[group] = totals.get(group, 0.0) + tottime
    return sorted(totals.items(), key=lambda item: -item[1])


def print_profile(profiler: cProfile.Profile, label: str, top: int = 25) -> None:
    """Own time per kind of code, then the costliest functions by own and cumulative time."""
    stats = pstats.Stats(profiler)
    groups = profile_groups(stats)
    total = sum(t for _, t in groups) or 1.0
    print(f"\n--- cProfile, {label}: own time by kind of code ---")
    for name, seconds in groups:
        print(f"  {name:<42}{seconds:>8.2f} s {100 * seconds / total:>6.1f}%")
    for key in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(key).print_stats(top)
        body = out.getvalue()
        print(f"\n--- cProfile, {label}, top {top} by {key} ---")
        print(body[body.find("   ncalls") :].rstrip())


def print_mix(seq: list[Msg]) -> None:
    """The message mix both sides process."""
    m = workload.mix(seq)
    total = len(seq) or 1
    print(f"mix (both sides, identical sequence): {total} messages — "
          f"texts {m['texts total']} ({100 * m['texts total'] / total:.1f}%: "
          f"{m['report texts']} Thai report texts + {m['typed answers']} typed answers), "
          f"presses/commands {m['presses+commands']} ({100 * m['presses+commands'] / total:.1f}%: "
          f"{m['presses']} presses + {m['commands']} commands); "
          f"reports expected per run: {m['reports expected']}")  # fmt: skip


def print_table(results: list[Result]) -> None:
    """One row per run, then the ratios against the targets."""
    head = (f"{'side':<26}{'in flight':>10}{'texts':>8}{'presses':>9}{'msg/s':>9}"
            f"{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'reports':>14}{'replies':>9}  check")  # fmt: skip
    print("\n" + head)
    print("-" * len(head))
    for r in results:
        texts = r.mix["report"] + r.mix["typed"]
        presses = r.mix["press"] + r.mix["command"]
        stored = f"{r.reports}/{r.expected}"
        check = "ok" if r.ok else f"FAILED (errors {r.errors})"
        print(f"{r.side:<26}{r.in_flight:>10}{texts:>8}{presses:>9}{r.rate:>9.0f}"
              f"{r.pct(0.50):>9.2f}{r.pct(0.99):>9.2f}{max(r.latencies) * 1000:>9.1f}"
              f"{stored:>14}{r.replies:>9}  {check}")  # fmt: skip
        if r.floor_seconds:
            floor = len(r.latencies) / r.floor_seconds
            print(f"{'  floor: same SQL, sqlite3':<26}{r.in_flight:>10}{'':>17}{floor:>9.0f}"
                  f"   ({r.commits} commits, {len(r.latencies) / max(r.commits, 1):.1f} "
                  f"messages per commit)")  # fmt: skip
        for note in r.notes:
            print(f"{'':<26}  note: {note}")
    print()
    for n in sorted({r.in_flight for r in results}):
        ours = next((r for r in results if r.side == "prasan" and r.in_flight == n), None)
        base = next((r for r in results if r.side == "baseline (PTB)" and r.in_flight == n), None)
        if ours is None:
            continue
        if base is not None and base.rate:
            ratio, want = ours.rate / base.rate, TARGET_BASELINE[0].get(n, TARGET_BASELINE[1])
            print(f"{n:>3} in flight: ours/baseline = {ratio:.2f}x "
                  f"({'met' if ratio >= want else 'MISSED'}: target >= {want:.1f}x)")  # fmt: skip
        if ours.floor_seconds:
            share = ours.rate * ours.floor_seconds / len(ours.latencies)
            want = TARGET_FLOOR[0].get(n, TARGET_FLOOR[1])
            print(f"{n:>3} in flight: ours/floor = {100 * share:.0f} % "
                  f"({'met' if share >= want else 'MISSED'}: target >= {100 * want:.0f} %)")  # fmt: skip
        # Little's law: n messages in flight at `rate` spend n/rate each on average.
        bound = 1000 * n / ours.rate if ours.rate else float("inf")
        print(f"{n:>3} in flight: ours p99 {ours.pct(0.99):.1f} ms, p50 {ours.pct(0.5):.1f} ms; "
              f"mean bound {n} / throughput = {bound:.1f} ms")  # fmt: skip
