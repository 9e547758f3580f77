"""Commands for the proactive half: reminders, digests, job runs, the holiday calendar."""

from __future__ import annotations

import argparse
from datetime import datetime, time

from bot.cli_dates import read_cli_date, read_cli_year
from bot.cli_text import fail, t
from bot.config import Settings
from bot.dates import format_date, format_datetime
from bot.jobs import JOBS, JobSpec, Preview, preview_job
from bot.jobs.manual import send_now
from bot.notify import NotifyResult
from bot.workdays import Scope, hari_raya, national
from storage.audit import AuditAction
from storage.store import Store

_fail = fail


def add_parsers(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The remind, digest, jobs and holidays commands."""
    r = sub.add_parser("remind", help="reminders to coordinators missing this period's report")
    how = r.add_mutually_exclusive_group(required=True)
    how.add_argument("--preview", action="store_true", help="show who would get what; send nothing")
    how.add_argument("--send-now", action="store_true", help="queue now (even on a holiday)")
    r.add_argument("--last-call", action="store_true", help="the last call instead of the reminder")
    d = sub.add_parser("digest", help="supervisors' daily (or weekly) digest")
    how = d.add_mutually_exclusive_group(required=True)
    how.add_argument("--preview", action="store_true", help="show the digests; send nothing")
    how.add_argument("--send-now", action="store_true", help="queue now (even on a holiday)")
    d.add_argument("--weekly", action="store_true", help="the weekly digest")
    d.add_argument("--for", dest="person", type=int, metavar="PERSON_ID",
                   help="preview only this person's digest")  # fmt: skip
    j = sub.add_parser("jobs", help="recent runs of the scheduled jobs")
    j.add_argument("--limit", type=int, default=30)
    h = sub.add_parser("holidays", help="the working-day calendar and its admin overrides")
    hsub = h.add_subparsers(dest="holidays_command", required=True, metavar="ACTION")
    for action, text in (("add", "declare a day off (a closure, or the announced Hari Raya)"),
                         ("remove", "cancel a holiday on a day (e.g. a Hari Raya estimate)")):  # fmt: skip
        a = hsub.add_parser(action, help=text)
        a.add_argument("day", metavar="YYYY-MM-DD")
        where = a.add_mutually_exclusive_group()
        where.add_argument("--regional", action="store_true",
                           help="only the offices observing Hari Raya")  # fmt: skip
        where.add_argument("--province", metavar="NAME")
        where.add_argument("--district", metavar="NAME")
        where.add_argument("--area", metavar="CODE")
        if action == "add":
            a.add_argument("--name", help="what the day is, as people will read it")
    ls = hsub.add_parser("list", help="holidays and overrides of a year")
    ls.add_argument("--year", type=int, help="default: this year")


COMMANDS = {
    ("remind", None): "remind",
    ("digest", None): "digest",
    ("jobs", None): "jobs",
    ("holidays", "add"): "holidays_set",
    ("holidays", "remove"): "holidays_set",
    ("holidays", "list"): "holidays_list",
}


def _print_preview(previews: list[Preview], names: dict[int, str]) -> None:
    for p in previews:
        print(t("── to {name} (person {id}) · {key}", name=names.get(p.person_id, "?"),
                id=p.person_id, key=p.key))  # fmt: skip
        for message in p.messages:
            print(message.text)
            if message.image_url:
                print("[image: chart]")
            if message.buttons:
                print(" ".join(f"[{b.label}]" for b in message.buttons))
        print()


async def _run(store: Store, spec: JobSpec, args: argparse.Namespace, settings: Settings,
               what: str) -> int:  # fmt: skip
    """Preview or send one job now; `what` names its notices (translated) in the messages."""
    if args.preview:
        previews = await preview_job(store, spec, settings)
        if getattr(args, "person", None) is not None:
            previews = [p for p in previews if p.person_id == args.person]
        async with store.tx() as tx:
            names = {p.id: p.name for p in await tx.people_list()}
        if not previews:
            print(t("No {what} to send now.", what=what))
        _print_preview(previews, names)
        return 0
    outcome = await send_now(store, spec, settings)
    if outcome.status != "ran":
        return _fail(t("the {what} job failed ({status}); see `prasan jobs`", what=what,
                       status=outcome.status))  # fmt: skip
    r = outcome.results
    print(t("{what}: {queued} queued, {before} sent before (not again), {unreachable} "
            "unreachable", what=what, queued=r[NotifyResult.QUEUED],
            before=r[NotifyResult.DUPLICATE], unreachable=r[NotifyResult.UNREACHABLE]))  # fmt: skip
    if r[NotifyResult.QUEUED]:
        print(t("A running `prasan run` or `prasan worker` delivers them."))
    return 0


async def remind(args: argparse.Namespace, settings: Settings) -> int:
    """Preview or send this period's reminder (or last call) now."""
    spec = JOBS["last-call" if args.last_call else "reminder"]
    store = await Store.open(settings.DATABASE_URL)
    try:
        return await _run(
            store, spec, args, settings, t("last calls") if args.last_call else t("reminders")
        )
    finally:
        await store.close()


async def digest(args: argparse.Namespace, settings: Settings) -> int:
    """Preview or send today's daily (or this week's weekly) digest now."""
    if args.send_now and args.person is not None:
        return _fail(t("--for is for --preview; --send-now sends to every supervisor and admin"))
    spec = JOBS["digest-weekly" if args.weekly else "digest-daily"]
    store = await Store.open(settings.DATABASE_URL)
    try:
        return await _run(store, spec, args, settings, "digests")
    finally:
        await store.close()


async def jobs(args: argparse.Namespace, settings: Settings) -> int:
    """The latest job runs, newest first."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            runs = await tx.job_runs_recent(limit=max(1, args.limit))
    finally:
        await store.close()
    if not runs:
        print(t("No job has run yet."))
        return 0
    tz = settings.timezone
    print(
        "started (BE)          job            period                        trigger   status  notices"
    )
    for r in runs:
        started = format_datetime(r.started_at, tz, "en")
        print(f"{started:<21} {r.job:<14} {r.period:<29} {r.trigger:<9} {r.status:<7} "
              f"{r.notices}{'  ' + r.error if r.error else ''}")  # fmt: skip
    return 0


async def _where(store: Store, args: argparse.Namespace) -> tuple[str, int] | str:
    """The scope an override applies to, or an error message."""
    if args.regional:
        return Scope.REGIONAL, 0
    async with store.tx() as tx:
        if args.province:
            found = await tx.find_province(args.province)
            return (Scope.PROVINCE, found) if found else t("unknown province '{name}'",
                                                           name=args.province)  # fmt: skip
        if args.district:
            found = await tx.find_district(args.district)
            return (
                (Scope.DISTRICT, found)
                if found
                else t("unknown or ambiguous district '{name}'", name=args.district)
            )
        if args.area:
            area = await tx.area_by_code(args.area)
            return (Scope.AREA, area.id) if area else t(
                "unknown area code '{code}' (see `prasan areas list`)", code=args.area)  # fmt: skip
    return Scope.ALL, 0


async def holidays_set(args: argparse.Namespace, settings: Settings) -> int:
    """Declare a day off, or cancel a holiday, for everyone or one place."""
    day = read_cli_date(args.day, "the day")
    if day is None:
        return _fail(t("give the day as YYYY-MM-DD, e.g. 2027-03-10 or 2570-03-10 (BE)"))
    store = await Store.open(settings.DATABASE_URL)
    try:
        where = await _where(store, args)
        if isinstance(where, str):
            return _fail(where)
        scope, ref = where
        name = getattr(args, "name", None)
        async with store.tx() as tx:
            await tx.set_holiday_override(day, args.holidays_command, scope, ref, name)
            action = (AuditAction.HOLIDAY_ADDED if args.holidays_command == "add"
                      else AuditAction.HOLIDAY_REMOVED)  # fmt: skip
            await tx.audit("cli", action, day=day.isoformat(),
                           scope=scope, ref=ref)  # fmt: skip
    finally:
        await store.close()
    shown = format_date(datetime.combine(day, time(12), settings.timezone), settings.timezone, "th")
    where_text = f"{scope}{'' if not ref else f' #{ref}'}"
    if args.holidays_command == "add":
        print(t("{day} ({shown}) is now a day off for {where}", day=day, shown=shown,
                where=where_text))  # fmt: skip
    else:
        print(t("{day} ({shown}) is now a working day for {where}", day=day, shown=shown,
                where=where_text))  # fmt: skip
    return 0


async def holidays_list(args: argparse.Namespace, settings: Settings) -> int:
    """National holidays, estimated Hari Raya and the admin overrides of a year."""
    year = read_cli_year(args.year, "--year") if args.year else datetime.now(settings.timezone).year
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            overrides = [o for o in await tx.holiday_overrides() if o.day.year == year]
    finally:
        await store.close()
    rows = [(d, "national", n) for d, n in national(year).items()]
    rows += [(d, "regional (estimate)", n) for d, n in hari_raya(year).items()]
    rows += [(o.day, f"{o.action} {o.scope}{f' #{o.ref_id}' if o.ref_id else ''}", o.name or "")
             for o in overrides]  # fmt: skip
    for day, kind, name in sorted(rows, key=lambda r: (r[0], r[1])):
        print(f"{day}  {kind:<22} {name}")
    return 0
