"""`prasan meeting`: call a meeting, list them, attendees as CSV, change or cancel one."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime

from bot.admin import _actor, _fail
from bot.admin_broadcast import _confirm
from bot.audience import TargetError, describe, parse_targets, reach_line
from bot.cli_dates import read_cli_moment
from bot.cli_text import current, lang, t
from bot.config import Settings
from bot.dates import format_datetime
from storage.store import Store


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `meeting` command line."""
    m = sub.add_parser(
        "meeting", help="meetings: create | list | attendees ID | update ID | cancel ID"
    )
    msub = m.add_subparsers(dest="meeting_command", required=True, metavar="ACTION")
    c = msub.add_parser("create", help="call a meeting; invitations go out from the worker")
    c.add_argument("--title", required=True)
    c.add_argument("--at", required=True, metavar='"YYYY-MM-DD HH:MM"', help="PRASAN_TIMEZONE")
    c.add_argument("--venue", required=True)
    c.add_argument("--agenda")
    c.add_argument("--location", metavar="LAT,LON", help="map location of the venue")
    c.add_argument("--to", action="append", required=True, metavar="TARGET",
                   help="as for `prasan broadcast`; repeat to combine")  # fmt: skip
    c.add_argument("--yes", action="store_true", help="create without asking")
    msub.add_parser("list", help="meetings with their answer counts (CSV)")
    a = msub.add_parser("attendees", help="who was invited and what they answered (CSV)")
    a.add_argument("id", type=int)
    u = msub.add_parser("update", help="change time or venue (invitees get an update notice)")
    u.add_argument("id", type=int)
    u.add_argument("--at", metavar='"YYYY-MM-DD HH:MM"')
    u.add_argument("--venue")
    u.add_argument("--location", metavar="LAT,LON")
    x = msub.add_parser("cancel", help="cancel (invitees get a cancellation notice)")
    x.add_argument("id", type=int)


def _location(text: str | None) -> tuple[float, float] | str | None:
    if text is None:
        return None
    try:
        lat, lon = (float(p) for p in text.split(","))
    except ValueError:
        return t("--location expects LAT,LON, e.g. 6.8694,101.2502")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return t("--location is outside the map: LAT -90..90, LON -180..180")
    return lat, lon


def _moment(text: str, settings: Settings, now: datetime) -> datetime | str:
    moment = read_cli_moment(text, "--at", settings.timezone)
    if moment is None:
        return t('--at expects "YYYY-MM-DD HH:MM" (e.g. "2026-12-15 09:00")')
    if moment <= now:
        return t("--at is in the past: give a later time")
    return moment


async def create(args: argparse.Namespace, settings: Settings) -> int:
    """Create a meeting and its invitations."""
    where = _location(args.location)
    if isinstance(where, str):
        return _fail(where)
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            starts = _moment(args.at, settings, tx.now())
            if isinstance(starts, str):
                return _fail(starts)
            try:
                targets = await parse_targets(tx, args.to)
            except TargetError as exc:
                return _fail(str(exc))
            reach = await tx.reach(await tx.audience(targets))
            who = await describe(tx, current(), targets)
        when = format_datetime(starts, settings.timezone, lang())
        print(t("“{title}” on {when} at {venue}; inviting {who}: {reach}.", title=args.title,
                when=when, venue=args.venue, who=who, reach=reach_line(current(), reach)))  # fmt: skip
        if not reach.person_ids:
            return _fail(t("nobody is registered in this target yet: nothing to send"))
        if not args.yes and not _confirm(t("Create this meeting?")):
            print(t("Nothing was created."))
            return 1
        async with store.tx() as tx:
            meeting_id = await tx.create_meeting(
                title=args.title.strip(), starts_at=starts, venue=args.venue.strip(),
                targets=targets, agenda=(args.agenda or "").strip() or None,
                latitude=where[0] if where else None, longitude=where[1] if where else None,
            )  # fmt: skip
            await tx.audit(_actor(), "meeting_created", meeting_id=meeting_id,
                           targets=[t.dump() for t in targets])  # fmt: skip
    finally:
        await store.close()
    print(t("Meeting #{id} created; the worker sends the invitations within a minute. "
            "See `prasan meeting attendees {id}`.", id=meeting_id))  # fmt: skip
    return 0


async def listing(args: argparse.Namespace, settings: Settings) -> int:
    """Meetings with answer counts, as CSV."""
    store = await Store.open(settings.DATABASE_URL)
    out = csv.writer(sys.stdout)
    out.writerow(["id", "starts_at", "title", "venue", "status", "invited", "attending",
                  "not_attending", "no_answer"])  # fmt: skip
    try:
        async with store.tx() as tx:
            for m in await tx.meetings_list():
                inv = await tx.invitees(m.id)
                yes = sum(1 for i in inv if i.answer == "yes")
                no = sum(1 for i in inv if i.answer == "no")
                starts = m.starts_at.astimezone(settings.timezone).isoformat(timespec="minutes")
                out.writerow([m.id, starts, m.title, m.venue, m.status, len(inv), yes, no,
                              len(inv) - yes - no])  # fmt: skip
    finally:
        await store.close()
    return 0


async def attendees(args: argparse.Namespace, settings: Settings) -> int:
    """Everyone invited and their answer, as CSV."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            m = await tx.meeting(args.id)
            if m is None:
                return _fail(t("no meeting #{id} (see `prasan meeting list`)", id=args.id))
            invitees = await tx.invitees(m.id)
            await tx.audit(_actor(), "meeting_attendees_exported", meeting_id=m.id)
    finally:
        await store.close()
    out = csv.writer(sys.stdout)
    out.writerow(["person_id", "name", "role", "answer", "reason", "answered_at"])
    for i in invitees:
        at = (
            i.answered_at.astimezone(settings.timezone).isoformat(timespec="minutes")
            if i.answered_at
            else ""
        )
        out.writerow([i.person_id, i.name, i.role, i.answer or "", i.reason or "", at])
    return 0


async def update(args: argparse.Namespace, settings: Settings) -> int:
    """Change time and/or venue."""
    where = _location(args.location)
    if isinstance(where, str):
        return _fail(where)
    if args.at is None and args.venue is None and where is None:
        return _fail(t("give --at, --venue and/or --location"))
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            m = await tx.meeting(args.id)
            if m is None or m.status != "scheduled" or m.starts_at <= tx.now():
                return _fail(t("meeting #{id} does not exist, is cancelled or has started",
                               id=args.id))  # fmt: skip
            values: dict[str, object] = {}
            if args.at is not None:
                starts = _moment(args.at, settings, tx.now())
                if isinstance(starts, str):
                    return _fail(starts)
                values["starts_at"] = starts
            if args.venue is not None:
                values["venue"] = args.venue.strip()
                values["latitude"] = values["longitude"] = None  # a new venue, a new pin
            if where is not None:
                values["latitude"], values["longitude"] = where
            await tx.change_meeting(m.id, **values)
            await tx.audit(_actor(), "meeting_changed", meeting_id=m.id, fields=sorted(values))
    finally:
        await store.close()
    print(t("Meeting #{id} updated; everyone invited gets an update notice.", id=args.id))
    return 0


async def cancel(args: argparse.Namespace, settings: Settings) -> int:
    """Cancel a meeting."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            m = await tx.meeting(args.id)
            if m is None or not await tx.cancel_meeting(m.id):
                return _fail(t("meeting #{id} does not exist or is already cancelled",
                               id=args.id))  # fmt: skip
            await tx.audit(_actor(), "meeting_cancelled", meeting_id=m.id)
    finally:
        await store.close()
    print(t("Meeting #{id} cancelled; those who were told about it get a cancellation notice.",
            id=args.id))  # fmt: skip
    return 0
