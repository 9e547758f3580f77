"""`prasan retention | people erase | backup | restore`: data safety from the command line."""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from bot import backup as backups
from bot import privacy
from bot.admin_people import actor, transaction
from bot.cli_text import fail, lang, t
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
    before = format_date(got.cutoff, settings.timezone, lang())
    print(t("PRASAN_RETENTION_DAYS={days}: reports from before {before}", days=days,
            before=before))  # fmt: skip
    counts = {"reports": r.reports, "texts": r.texts, "photos": r.photos,
              "locations": r.locations}  # fmt: skip
    messages = {"inbox": got.inbox, "outbox": got.outbox,
                "days": min(days, privacy.TRANSIENT_DAYS)}  # fmt: skip
    if args.dry_run:
        print(t("  {reports} reports would lose their free text ({texts}), photos ({photos}) "
                "and precise locations ({locations}); counts, categories, urgency, areas and "
                "dates stay", **counts))  # fmt: skip
        print(t("  {inbox} received messages and {outbox} sent messages older than {days} "
                "days would lose their text", **messages))  # fmt: skip
        print(t("dry run: nothing was changed"))
    else:
        print(t("  {reports} reports lost their free text ({texts}), photos ({photos}) "
                "and precise locations ({locations}); counts, categories, urgency, areas and "
                "dates stay", **counts))  # fmt: skip
        print(t("  {inbox} received messages and {outbox} sent messages older than {days} "
                "days lost their text", **messages))  # fmt: skip
    return 0


async def people_erase(args: argparse.Namespace, settings: Settings) -> int:
    """Erase a person on their request (needs --yes; cannot be undone)."""
    async with transaction(settings) as tx:
        person = await tx.person(args.id)
        if person is None:
            return fail(t("no person with id {id} (see `prasan people list`)", id=args.id))
        if person.name == "erased" and not person.active:
            return fail(t("person {id} was erased already", id=args.id))
        reports = await tx.report_count(args.id)
        if not args.yes:
            return fail(t("this erases person {id} ({name}): their name, chat identities, "
                          "and the text, photos and locations of their {reports} reports. It "
                          "cannot be undone. Run again with --yes to erase.", id=args.id,
                          name=person.name, reports=reports))  # fmt: skip
        done = await privacy.erase_person(tx, actor(), args.id)
    assert done is not None
    await asyncio.to_thread(backups.checkpoint, backups.sqlite_path(settings.DATABASE_URL))
    print(t("person {id} erased: name, {messages} messages and the text, {photos} photos and "
            "{locations} locations of {reports} reports are gone; the reports stay as anonymous "
            "counts (reporter \"erased\"). This cannot be undone.", id=args.id,
            messages=done.inbox + done.outbox, photos=done.photos, locations=done.locations,
            reports=done.reports))  # fmt: skip
    return 0


async def backup(args: argparse.Namespace, settings: Settings) -> int:
    """Copy the SQLite database while Prasan runs; on PostgreSQL, say how to use pg_dump."""
    db = backups.sqlite_path(settings.DATABASE_URL)
    if db is None:
        return fail(t("the database is PostgreSQL: back it up with pg_dump, e.g.")
                    + "\n  " + backups.pg_dump_hint(settings.DATABASE_URL))  # fmt: skip
    dest = Path(args.file)
    try:
        pages = await asyncio.to_thread(backups.backup, db, dest)
    except backups.BackupError as exc:
        return fail(str(exc))
    async with transaction(settings) as tx:
        await audit(tx, actor(), AuditAction.BACKUP, {"file": dest.name, "pages": pages})
    print(t("backed up {db} to {file} ({pages} pages; readable by you only)", db=str(db),
            file=str(dest), pages=pages))  # fmt: skip
    return 0


async def restore(args: argparse.Namespace, settings: Settings) -> int:
    """Replace the SQLite database with a backup, only while no prasan process runs."""
    db = backups.sqlite_path(settings.DATABASE_URL)
    if db is None:
        return fail(t("the database is PostgreSQL: restore it with pg_restore"))
    try:
        kept = await asyncio.to_thread(backups.restore, Path(args.file), db)
    except backups.BackupError as exc:
        return fail(str(exc))
    async with transaction(settings) as tx:  # also brings an older backup's schema up to date
        await audit(tx, actor(), AuditAction.RESTORE, {"file": Path(args.file).name})
    print(t("restored {file} into {db}", file=args.file, db=str(db)))
    if kept is not None:
        print(t("the database it replaced is kept as {file}", file=str(kept)))
    return 0
