"""Administrative commands: demo data, invites, areas, people, export, migrations, NLP."""

from __future__ import annotations

import argparse
import getpass
import sys
from datetime import datetime
from pathlib import Path

from bot import access
from bot.admin_people import REFUSALS, ScopeError, scope_from_args
from bot.cli_dates import read_cli_date
from bot.cli_text import fail, lang, t
from bot.config import Settings
from bot.dates import format_date
from bot.demo import load_demo, other_people
from bot.export import write_reports
from bot.export_followup import followup_columns
from bot.i18n import number
from storage.db import make_engine, upgrade
from storage.store import Store


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


_fail = fail


async def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations."""
    engine = make_engine(settings.DATABASE_URL)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print(t("database is up to date"))
    return 0


async def demo(args: argparse.Namespace, settings: Settings) -> int:
    """Load demo data (only into a database of demo people, unless --force)."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        if not args.force:
            async with store.tx() as tx:
                others = await other_people(tx)
            if others:
                # Demo people and areas in a live database would get real reminders and digests.
                return _fail(t("this database holds people who are not demo people ({n}): demo "
                               "data would mix with theirs (use --force to load it anyway)",
                               n=others))  # fmt: skip
        lines = await load_demo(store)
    finally:
        await store.close()
    print(t("Demo data loaded. Try it as:"))
    print("\n".join("  " + line for line in lines))
    return 0


async def invite(args: argparse.Namespace, settings: Settings) -> int:
    """Create an invite; the code is the last line of stdout."""
    if args.person is not None:
        if args.role or args.area or args.district or args.province or args.all or args.name:
            return _fail(t("--person links a chat app to someone registered: give it alone"))
        return await _link_invite(args.person, settings)
    if args.role is None:
        return _fail(t("give --role coordinator|supervisor|admin (or --person ID)"))
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            try:
                scope = await scope_from_args(tx, args)
                made = await access.create_invite(tx, _actor(), args.role, scope, args.name)
            except ScopeError as exc:
                return _fail(str(exc))
            except access.AccessError as exc:
                return _fail(t(REFUSALS[exc.reason]))
    finally:
        await store.close()
    until = format_date(made.expires_at, settings.timezone, lang())
    if args.name:
        print(t("One-time {role} invite for {name}, valid until {until}. Send this code to the "
                "person:", role=args.role, name=args.name, until=until))  # fmt: skip
    else:
        print(t("One-time {role} invite, valid until {until}. Send this code to the person:",
                role=args.role, until=until))  # fmt: skip
    print(made.code)
    return 0


async def _link_invite(person_id: int, settings: Settings) -> int:
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            person = await tx.person(person_id)
            if person is None or not person.active:
                return _fail(
                    t("no active person with id {id} (see `prasan people list`)", id=person_id)
                )
            made = await access.create_link_invite(tx, _actor(), person)
    finally:
        await store.close()
    until = format_date(made.expires_at, settings.timezone, lang())
    print(t("One-time code linking one more chat app to {name}, valid until {until}:",
            name=person.name, until=until))  # fmt: skip
    print(made.code)
    return 0


async def export_reports(args: argparse.Namespace, settings: Settings) -> int:
    """Export reports; every export is written to the audit log."""
    since = None
    if args.since:
        day = read_cli_date(args.since, "--since")
        if day is None:
            return _fail(
                t("--since expects a date as YYYY-MM-DD, e.g. 2026-11-01 or 2569-11-01 (BE)")
            )
        since = datetime(day.year, day.month, day.day, tzinfo=settings.timezone)
    if args.out and args.out.lower().endswith(".xlsx"):
        args.format = "xlsx"  # --out x.xlsx means an XLSX file
    if args.format == "xlsx" and not args.out:
        return _fail(t("--format xlsx needs --out FILE"))
    if args.out and not Path(args.out).resolve().parent.is_dir():  # noqa: ASYNC240 - CLI
        # Checked before anything is read or audited: a failed export leaves no audit entry.
        return _fail(t("cannot write {file}: the folder {folder} does not exist", file=args.out,
                       folder=str(Path(args.out).parent)))  # fmt: skip
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            area_ids = None
            if args.for_person is not None:
                viewer = await tx.person(args.for_person)
                if viewer is None:
                    return _fail(t("no person with id {id}", id=args.for_person))
                try:
                    area_ids = await access.export_area_ids(tx, viewer)
                except access.AccessError:
                    return _fail(t("person {id} is a {role}: exports are for admins and "
                                   "supervisors", id=viewer.id, role=viewer.role))  # fmt: skip
            rows = await tx.export_reports(since, area_ids)
            extras = await followup_columns(tx, settings, [r.id for r in rows])
            await tx.audit(_actor(), "export_reports", count=len(rows), since=args.since,
                           format=args.format, out=args.out or "stdout",
                           for_person=args.for_person)  # fmt: skip
            if args.out:
                # Written before the audit entry commits: a file that could not be written
                # (disk full, no permission) leaves no entry claiming an export.
                try:
                    write_reports(rows, settings.timezone, args.format, args.out, extras)
                except OSError as exc:
                    raise _WriteFailed(exc.strerror or type(exc).__name__) from None
    except _WriteFailed as exc:
        return _fail(t("cannot write {file}: {reason}", file=args.out, reason=str(exc)))
    finally:
        await store.close()
    if args.out:
        print(t("exported {n} reports to {file}", n=number(len(rows)), file=args.out),
              file=sys.stderr)  # fmt: skip
    else:
        write_reports(rows, settings.timezone, args.format, None, extras)
    return 0


class _WriteFailed(Exception):
    """The export file could not be written; the transaction (and its audit entry) rolls back."""


async def nlp_analyze(args: argparse.Namespace, settings: Settings) -> int:
    """Analyse Thai text from stdin, one JSON object a line."""
    from bot.nlp import analyze_stream

    analyze_stream(sys.stdin, sys.stdout)
    return 0
