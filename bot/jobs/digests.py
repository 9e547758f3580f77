"""Daily and weekly digests to every supervisor and admin, limited to their scope.

The daily digest goes on the reader's working days only (PRASAN_DAILY_DIGEST_CRON can
fire every day); the weekly one (PRASAN_WEEKLY_DIGEST_CRON) covers the previous week and
carries a chart stored as media, one per scope and language. Keys name the person and
the day or week: `digest:daily:<person>:<date>`, `digest:weekly:<person>:<week>`.
"""

from __future__ import annotations

from datetime import timedelta

from bot import media
from bot.digest import DailyFacts, build_daily, scope_areas
from bot.digest_weekly import WeeklyFacts, build_weekly, chart_png, covered_week, week_covered
from bot.jobs.base import JobRun, JobSpec, Notice, daily, register, weekly
from bot.workdays import load_calendar
from storage.queries_geo import Area
from storage.store import Store, Tx

READERS = ("supervisor", "admin")


async def daily_digest(tx: Tx, run: JobRun) -> list[Notice]:
    """Each reader's digest of the previous working day(s), on their working days."""
    today = run.local.date()
    calendar = await load_calendar(tx)
    facts = DailyFacts(tx)  # every reader's part of the same few queries
    notices = []
    for pid, _name, _role in await tx.active_people(READERS):
        areas, _ = await facts.scope(pid)
        if not run.forced and not calendar.working_for_any(today, areas):
            continue
        digest = await build_daily(tx, pid, run.now, run.tz, calendar, facts)
        notices.append(
            Notice(
                pid,
                digest,
                f"digest:daily:{pid}:{today}",
                tag=f"digest:daily:{today}",
                not_after=run.at + timedelta(hours=12),
            )
        )
    return notices


ChartKey = tuple[frozenset[int], str]  # a reader's areas and language


async def _readers(tx: Tx, run: JobRun) -> list[tuple[int, str, list[Area]]]:
    """Each supervisor and admin with their language and the areas in their scope."""
    readers = []
    for pid, _name, _role in await tx.active_people(READERS):
        to = await tx.reachable(pid)
        lang = to.language if to is not None else run.settings.PRASAN_LANGUAGE
        areas, _ = await scope_areas(tx, pid)
        readers.append((pid, lang, areas))
    return readers


async def draw_weekly_charts(store: Store, run: JobRun) -> dict[ChartKey, bytes]:
    """The charts the weekly digests will carry, drawn before the run's transaction.

    Drawing takes about half a second each, one per scope and language; inside the
    transaction that would hold the process's writer (SQLite) and so every reply.
    """
    today = run.local.date()
    async with store.tx() as tx:  # a few quick reads
        facts = WeeklyFacts(tx, week_covered(today), today, run.tz)
        wanted = {(frozenset(a.id for a in areas), lang): (areas, lang)
                  for _pid, lang, areas in await _readers(tx, run) if areas}  # fmt: skip
        await facts.get("chart")  # kept by facts: drawing reads it after the transaction
    return {key: await chart_png(areas, facts, lang) for key, (areas, lang) in wanted.items()}


async def weekly_digest(tx: Tx, run: JobRun) -> list[Notice]:
    """Each reader's digest of the previous week, with the 8-week chart."""
    today = run.local.date()
    week = covered_week(today)
    drawn: dict[ChartKey, bytes] = run.prepared if isinstance(run.prepared, dict) else {}
    charts: dict[ChartKey, str] = {}  # one stored chart per scope and language
    facts = WeeklyFacts(tx, week_covered(today), today, run.tz)
    notices = []
    for pid, lang, areas in await _readers(tx, run):
        key = (frozenset(a.id for a in areas), lang)
        if key not in charts and areas:
            # A reader whose scope changed since the drawing gets theirs drawn here.
            png = drawn.get(key) or await chart_png(areas, facts, lang)
            charts[key] = media.media_url(
                run.settings, await media.store_media(tx, png, "image/png")
            )
        digest = await build_weekly(tx, pid, today, run.tz, charts.get(key), facts)
        notices.append(
            Notice(
                pid,
                digest,
                f"digest:weekly:{pid}:{week}",
                tag=f"digest:weekly:{week}",
                not_after=run.at + timedelta(days=2),
            )
        )
    return notices


DAILY = register(
    JobSpec("digest-daily", daily_digest, daily, cron_setting="PRASAN_DAILY_DIGEST_CRON")
)
WEEKLY = register(
    JobSpec(
        "digest-weekly",
        weekly_digest,
        weekly,
        cron_setting="PRASAN_WEEKLY_DIGEST_CRON",
        prepare=draw_weekly_charts,
    )
)
