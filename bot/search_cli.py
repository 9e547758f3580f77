"""`prasan search "..." [--as PERSON_ID] [--since DATE]`: the chat search from a terminal."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime

from bot.cli_dates import read_cli_date
from bot.cli_text import fail, t
from bot.config import Settings
from bot.dates import format_date
from bot.i18n import number
from bot.search import search
from storage.store import Store


def parse_since(value: str, settings: Settings) -> datetime:
    """YYYY-MM-DD, in the Common Era or the Buddhist Era (a year after 2400 is BE)."""
    day = read_cli_date(value, "--since")
    if day is None:
        raise ValueError(value)
    return datetime(day.year, day.month, day.day, tzinfo=settings.timezone)


async def search_reports(args: argparse.Namespace, settings: Settings) -> int:
    """Print the matching reports, best first: number, date (BE), kind, area, state, text."""
    try:
        since = parse_since(args.since, settings) if args.since else None
    except ValueError:
        return fail(t("--since expects a date as YYYY-MM-DD, e.g. 2026-11-01 or 2569-11-01 (BE)"))
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            if args.person is not None:
                person = await tx.person(args.person)
                if person is None:
                    return fail(t("no person with id {id} (see `prasan people list`)",
                                  id=args.person))  # fmt: skip
            found = await search(tx, args.query, args.person, since)
            rows = await tx.report_rows([r.id for r in found])
            await tx.audit("cli", "search", person=args.person, results=len(rows))
    finally:
        await store.close()
    for r in rows:
        date = format_date(r.created_at, settings.timezone, "th", short=True)
        text = r.text.replace("\n", " ")
        print(f"#{r.id}\t{date}\t{r.kind}\t{r.area_name or '-'}\t{r.status}\t{text}")
    print(t("{n} found", n=number(len(rows))), file=sys.stderr)
    return 0
