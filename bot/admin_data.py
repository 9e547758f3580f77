"""`prasan retention | people erase | backup | restore`: data safety from the command line."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot import backup as backups
from bot import privacy
from bot.admin_people import actor, fail, transaction
from bot.config import Settings
from bot.dates import format_date
from storage.audit import AuditAction, audit


async def retention(args: argparse.Namespace, settings: Settings) -> int:
    """Redact what is older than PRASAN_RETENTION_DAYS now, or with --dry-run only show it."""
    days = settings.PRASAN_RETENTION_DAYS
    async with transaction(settings) as tx:
        got = await privacy.run_retention(tx, tx.now(), days, apply=not args.dry_run,
                                          actor=actor())  # fmt: skip
    if not args.dry_run:
        await asyncio.to_thread(backups.checkpoint, backups.sqlite_path(settings.DATABASE_URL))
    r = got.reports
    before = format_date(got.cutoff, settings.timezone, "en")
    verb = "would lose" if args.dry_run else "lost"
    print(f"PRASAN_RETENTION_DAYS={days}: reports from before {before}")
    print(f"  {r.reports} reports {verb} their free text ({r.texts}), photos ({r.photos}) "
          f"and precise locations ({r.locations}); counts, categories, urgency, areas and "
          "dates stay")  # fmt: skip
    print(f"  {got.inbox} received messages and {got.outbox} sent messages older than "
          f"{min(days, privacy.TRANSIENT_DAYS)} days {verb} their text")  # fmt: skip
    if args.dry_run:
        print("dry run: nothing was changed")
    return 0


async def people_erase(args: argparse.Namespace, settings: Settings) -> int:
    """Erase a person on their request (needs --yes; cannot be undone)."""
    async with transaction(settings) as tx:
        person = await tx.person(args.id)
        if person is None:
            return fail(f"no person with id {args.id} (see `prasan people list`)")
        if person.name == "erased" and not person.active:
            return fail(f"person {args.id} was erased already")
        reports = await tx.report_count(args.id)
        if not args.yes:
            return fail(
                f"this erases person {args.id} ({person.name}): their name, chat identities, "
                f"and the text, photos and locations of their {reports} reports. It cannot be "
                "undone. Run again with --yes to erase."
            )
        done = await privacy.erase_person(tx, actor(), args.id)
    assert done is not None
    await asyncio.to_thread(backups.checkpoint, backups.sqlite_path(settings.DATABASE_URL))
    print(f"person {args.id} erased: name, {done.inbox + done.outbox} messages and the text, "
          f"{done.photos} photos and {done.locations} locations of {done.reports} reports are "
          "gone; the reports stay as anonymous counts (reporter \"erased\"). This cannot be "
          "undone.")  # fmt: skip
    return 0


async def backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite database while Prasan runs; on PostgreSQL, say how to use pg_dump."""
    db = backups.sqlite_path(settings.DATABASE_URL)
    if db is None:
        return fail("the database is PostgreSQL: back it up with pg_dump, e.g.\n  "
                    + backups.pg_dump_hint(settings.DATABASE_URL))  # fmt: skip
    dest = Path(args.file)
    try:
        pages = await asyncio.to_thread(backups.backup, db, dest)
    except backups.BackupError as exc:
        return fail(str(exc))
    async with transaction(settings) as tx:
        await audit(tx, actor(), AuditAction.BACKUP, {"file": dest.name, "pages": pages})
    print(f"backed up {db} to {dest} ({pages} pages; readable by you only)")
    return 0


async def restore(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the SQLite database with a backup, only while no prasan process runs."""
    db = backups.sqlite_path(settings.DATABASE_URL)
    if db is None:
        return fail("the database is PostgreSQL: restore it with pg_restore")
    try:
        kept = await asyncio.to_thread(backups.restore, Path(args.file), db)
    except backups.BackupError as exc:
        return fail(str(exc))
    async with transaction(settings) as tx:  # also brings an older backup's schema up to date
        await audit(tx, actor(), AuditAction.RESTORE, {"file": Path(args.file).name})
    print(f"restored {args.file} into {db}")
    if kept is not None:
        print(f"the database it replaced is kept as {kept}")
    return 0
