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
from bot.config import Settings
from bot.dates import format_date
from bot.demo import load_demo, other_people
from bot.export import write_reports
from bot.export_followup import followup_columns
from storage.db import make_engine, upgrade
from storage.store import Store


def _actor() -> str:
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


def _fail(message: str) -> int:
    print(f"prasan: {message}", file=sys.stderr)
    return 1


async def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    """Apply migrations."""
    engine = make_engine(settings.DATABASE_URL)
    try:
        await upgrade(engine)
    finally:
        await engine.dispose()
    print("database is up to date")
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
                return _fail(f"this database holds people who are not demo people ({others}): "
                             "demo data would mix with theirs (use --force to load it anyway)")  # fmt: skip
        lines = await load_demo(store)
    finally:
        await store.close()
    print("Demo data loaded. Try it as:")
    print("\n".join("  " + line for line in lines))
    return 0


async def invite(args: argparse.Namespace, settings: Settings) -> int:
    """Create an invite; the code is the last line of stdout."""
    if args.person is not None:
        if args.role or args.area or args.district or args.province or args.all or args.name:
            return _fail("--person links a chat app to someone registered: give it alone")
        return await _link_invite(args.person, settings)
    if args.role is None:
        return _fail("give --role coordinator|supervisor|admin (or --person ID)")
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            try:
                scope = await scope_from_args(tx, args)
                made = await access.create_invite(tx, _actor(), args.role, scope, args.name)
            except ScopeError as exc:
                return _fail(str(exc))
            except access.AccessError as exc:
                return _fail(REFUSALS[exc.reason])
    finally:
        await store.close()
    until = format_date(made.expires_at, settings.timezone, "en")
    who = f" for {args.name}" if args.name else ""
    print(f"One-time {args.role} invite{who}, valid until {until}. Send this code to the person:")
    print(made.code)
    return 0


async def _link_invite(person_id: int, settings: Settings) -> int:
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            person = await tx.person(person_id)
            if person is None or not person.active:
                return _fail(f"no active person with id {person_id} (see `prasan people list`)")
            made = await access.create_link_invite(tx, _actor(), person)
    finally:
        await store.close()
    until = format_date(made.expires_at, settings.timezone, "en")
    print(f"One-time code linking one more chat app to {person.name}, valid until {until}:")
    print(made.code)
    return 0


async def export_reports(args: argparse.Namespace, settings: Settings) -> int:
    """Export reports; every export is written to the audit log."""
    since = None
    if args.since:
        day = read_cli_date(args.since, "--since")
        if day is None:
            return _fail("--since expects a date as YYYY-MM-DD, e.g. 2026-11-01 or 2569-11-01 (BE)")
        since = datetime(day.year, day.month, day.day, tzinfo=settings.timezone)
    if args.out and args.out.lower().endswith(".xlsx"):
        args.format = "xlsx"  # --out x.xlsx means an XLSX file
    if args.format == "xlsx" and not args.out:
        return _fail("--format xlsx needs --out FILE")
    if args.out and not Path(args.out).resolve().parent.is_dir():  # noqa: ASYNC240 - CLI
        # Checked before anything is read or audited: a failed export leaves no audit entry.
        return _fail(f"cannot write {args.out}: the folder {Path(args.out).parent} does not exist")
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            area_ids = None
            if args.for_person is not None:
                viewer = await tx.person(args.for_person)
                if viewer is None:
                    return _fail(f"no person with id {args.for_person}")
                try:
                    area_ids = await access.export_area_ids(tx, viewer)
                except access.AccessError:
                    return _fail(f"person {viewer.id} is a {viewer.role}: exports are for "
                                 "admins and supervisors")  # fmt: skip
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
        return _fail(f"cannot write {args.out}: {exc}")
    finally:
        await store.close()
    if args.out:
        print(f"exported {len(rows)} reports to {args.out}", file=sys.stderr)
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
