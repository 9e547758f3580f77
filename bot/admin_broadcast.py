"""`prasan broadcast`: send an announcement to a target, list them, show per-recipient status."""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import datetime
from pathlib import Path

from bot.admin import _actor, _fail
from bot.audience import TargetError, describe, parse_targets, reach_line
from bot.broadcasting import delivery_counts, expand
from bot.cli_dates import read_cli_moment
from bot.cli_text import current, lang, t
from bot.config import Settings
from bot.dates import format_datetime
from bot.i18n import translator
from bot.media import KEEP, MAX_BYTES, media_url, store_media
from storage.queries_audience import Target
from storage.store import Store

# CSV columns stay English (scripts read them); messages follow PRASAN_LANGUAGE (bot.cli_text).
EN = translator("en")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The `broadcast` command line."""
    b = sub.add_parser(
        "broadcast",
        help="send an announcement (--to TARGET --text TEXT), or: list | show ID",
        description="TARGET: all, role:coordinator|supervisor|admin, province:NAME, "
        "district:NAME, area:CODE[,CODE...] (repeat --to to combine)",
    )
    b.add_argument("action", nargs="*", metavar="list | show ID", help="list or show broadcasts")
    b.add_argument("--to", action="append", default=[], metavar="TARGET")
    b.add_argument("--text", help="the announcement (as written, for every language)")
    b.add_argument("--text-en", help="English version (people who chose English)")
    b.add_argument("--text-ms", help="Malay version (people who chose Bahasa Melayu)")
    b.add_argument("--photo", metavar="FILE", help="a photo sent with the text")
    b.add_argument("--at", metavar='"YYYY-MM-DD HH:MM"', help="send later (PRASAN_TIMEZONE)")
    b.add_argument("--yes", action="store_true", help="queue without asking")


async def broadcast(args: argparse.Namespace, settings: Settings) -> int:
    """Create, list or show broadcasts."""
    if args.action == ["list"]:
        return await _list(settings)
    if len(args.action) == 2 and args.action[0] == "show" and args.action[1].isdigit():
        return await _show(int(args.action[1]), settings)
    if args.action:
        return _fail(t("use `prasan broadcast list`, `prasan broadcast show ID`, "
                       "or `prasan broadcast --to TARGET --text TEXT`"))  # fmt: skip
    if not args.to or not (args.text or "").strip():
        return _fail(t("give --to TARGET and --text TEXT (see `prasan broadcast --help`)"))
    return await _create(args, settings)


async def _create(args: argparse.Namespace, settings: Settings) -> int:
    photo = None
    if args.photo:
        read = _read_photo(args.photo)
        if isinstance(read, str):
            return _fail(read)
        photo = read
    send_at = None
    if args.at:
        send_at = read_cli_moment(args.at, "--at", settings.timezone)
        if send_at is None:
            return _fail(t('--at expects "YYYY-MM-DD HH:MM" (e.g. "2026-12-15 09:00")'))
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            try:
                targets = await parse_targets(tx, args.to)
            except TargetError as exc:
                return _fail(str(exc))
            if send_at is not None and send_at <= tx.now():
                return _fail(t("--at is in the past: give a later time, or leave it out to "
                               "send now"))  # fmt: skip
            reach = await tx.reach(await tx.audience(targets))
            who = await describe(tx, current(), targets)
        print(t("To {who}: {reach}.", who=who, reach=reach_line(current(), reach)))
        if send_at is not None:
            when = format_datetime(send_at, settings.timezone, lang())
            print(t("Sending at {when}.", when=when))
        if not reach.person_ids:
            return _fail(t("nobody is registered in this target yet: nothing to send"))
        if not args.yes and not _confirm(t("Queue this broadcast?")):
            print(t("Nothing was sent."))
            return 1
        broadcast_id = await _store(store, settings, args, targets, send_at, photo)
        queued = await expand(store, broadcast_id)  # now, unless it waits for --at
    finally:
        await store.close()
    if send_at is None:
        print(t("Broadcast #{id} queued ({n} messages queued now). "
                "See `prasan broadcast show {id}`.", id=broadcast_id, n=queued))  # fmt: skip
    else:
        print(t("Broadcast #{id} scheduled ({n} messages queued now). "
                "See `prasan broadcast show {id}`.", id=broadcast_id, n=queued))  # fmt: skip
    return 0


def _read_photo(path: str) -> tuple[bytes, str] | str:
    """The photo's bytes and type, or what is wrong with it (one line)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return t("cannot read {path}: {reason}", path=path, reason=exc.strerror)
    kind = next((ct for magic, ct in _MAGIC if data.startswith(magic)), None)
    if kind is None:
        return t("{path} is not a JPEG or PNG photo", path=path)
    if len(data) > MAX_BYTES:
        return t("{path} is larger than 10 MB (LINE's limit): send a smaller photo", path=path)
    return data, kind


_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


async def _store(
    store: Store,
    settings: Settings,
    args: argparse.Namespace,
    targets: list[Target],
    send_at: datetime | None,
    photo: tuple[bytes, str] | None,
) -> int:
    translations = {k: v for k, v in (("en", args.text_en), ("ms", args.text_ms)) if v}
    async with store.tx() as tx:
        url = None
        if photo is not None:  # kept until a month after it goes out, served by our web server
            ref = await store_media(tx, photo[0], photo[1], (send_at or tx.now()) + KEEP)
            url = media_url(settings, ref)
        broadcast_id = await tx.create_broadcast(
            text=args.text.strip(), targets=targets, send_at=send_at or tx.now(),
            actor=_actor(), translations=translations, photo=url,
        )  # fmt: skip
        await tx.audit(_actor(), "broadcast_created", broadcast_id=broadcast_id,
                       targets=[t.dump() for t in targets])  # fmt: skip
    return broadcast_id


def _confirm(question: str) -> bool:
    print(f"{question} [y/N] ", end="", flush=True)
    answer = sys.stdin.readline().strip().casefold()
    # y/N stays the prompt in every language; the operator's own "yes" is accepted too.
    return answer in ("y", "yes", "ใช่", "ตกลง", "ya")


async def _list(settings: Settings) -> int:
    store = await Store.open(settings.DATABASE_URL)
    out = csv.writer(sys.stdout)
    out.writerow(["id", "created_at", "send_at", "status", "recipients", "delivered", "failed",
                  "blocked", "waiting", "to"])  # fmt: skip
    try:
        async with store.tx() as tx:
            for b in await tx.broadcasts_list():
                delivered, failed, blocked, waiting = delivery_counts(await tx.tag_counts(b.tag))
                out.writerow([
                    b.id, b.created_at.astimezone(settings.timezone).isoformat(timespec="minutes"),
                    b.send_at.astimezone(settings.timezone).isoformat(timespec="minutes"),
                    b.status, b.queued, delivered, failed, blocked + b.unreachable, waiting,
                    await describe(tx, EN, b.targets),
                ])  # fmt: skip
    finally:
        await store.close()
    return 0


async def _show(broadcast_id: int, settings: Settings) -> int:
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            b = await tx.broadcast(broadcast_id)
            if b is None:
                return _fail(t("no broadcast #{id} (see `prasan broadcast list`)",
                               id=broadcast_id))  # fmt: skip
            who = await describe(tx, current(), b.targets)
            counts = delivery_counts(await tx.tag_counts(b.tag))
            rows = await tx.broadcast_recipients(b.id)
    finally:
        await store.close()
    tz = settings.timezone
    at = b.send_at.astimezone(tz).isoformat(timespec="minutes")
    print("# " + t("broadcast #{id} to {who}; status {status}; send at {at}", id=b.id,
                   who=who, status=b.status, at=at), file=sys.stderr)  # fmt: skip
    print("# " + t("delivered {delivered}, failed {failed}, blocked {blocked}, waiting {waiting}",
                   delivered=counts[0], failed=counts[1], blocked=counts[2] + b.unreachable,
                   waiting=counts[3]), file=sys.stderr)  # fmt: skip
    out = csv.writer(sys.stdout)
    out.writerow(["person_id", "name", "channel", "status", "sent_at"])
    for r in rows:
        sent = r.sent_at.astimezone(tz).isoformat(timespec="seconds") if r.sent_at else ""
        out.writerow([r.person_id, r.name, r.channel, r.status, sent])
    return 0
