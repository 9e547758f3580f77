"""Administrative commands: demo data, invites, areas, people, export, migrations, NLP."""

from __future__ import annotations

import argparse
import csv
import getpass
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

from bot.config import Settings
from bot.dates import BE_OFFSET, format_date
from bot.demo import load_demo, load_geography
from bot.export import write_reports
from bot.export_followup import followup_columns
from bot.invites import VALID_DAYS, hash_code, new_code
from storage.db import make_engine, upgrade
from storage.store import Store, Tx, utcnow


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
    """Load demo data."""
    store = await Store.open(settings.DATABASE_URL)
    try:
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
            await load_geography(tx)
            scope: list[list[object]] = []
            for code in args.area:
                area = await tx.area_by_code(code)
                if area is None:
                    return _fail(f"unknown area code {code!r} (see `prasan areas list`)")
                scope.append(["area", area.id])
            for name in args.district:
                did = await tx.find_district(name)
                if did is None:
                    return _fail(f"unknown or ambiguous district {name!r}")
                scope.append(["district", did])
            for name in args.province:
                pid = await tx.find_province(name)
                if pid is None:
                    return _fail(f"unknown province {name!r}")
                scope.append(["province", pid])
            if args.role == "admin" or args.all:
                scope = [["all", None]]
            if args.role == "coordinator" and any(k != "area" for k, _ in scope):
                return _fail("a coordinator's scope is areas: use --area CODE")
            if not scope:
                return _fail("give --area CODE (or for a supervisor --district, --province, --all)")
            code = new_code()
            expires = utcnow() + timedelta(days=VALID_DAYS)
            invite_id = await tx.create_invite(hash_code(code.replace("-", "")), args.role,
                                               args.name, scope, expires)  # fmt: skip
            await tx.audit(_actor(), "invite_created", invite_id=invite_id, role=args.role,
                           scope=scope)  # fmt: skip
    finally:
        await store.close()
    until = format_date(expires, settings.timezone, "en")
    who = f" for {args.name}" if args.name else ""
    print(f"One-time {args.role} invite{who}, valid until {until}. Send this code to the person:")
    print(code)
    return 0


async def _link_invite(person_id: int, settings: Settings) -> int:
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            person = await tx.person(person_id)
            if person is None or not person.active:
                return _fail(f"no active person with id {person_id} (see `prasan people list`)")
            code = new_code()
            expires = utcnow() + timedelta(days=VALID_DAYS)
            invite_id = await tx.create_invite(
                hash_code(code.replace("-", "")), person.role, person.name, [], expires,
                person_id=person.id,
            )  # fmt: skip
            await tx.audit(
                _actor(), "link_invite_created", invite_id=invite_id, person_id=person.id
            )
    finally:
        await store.close()
    until = format_date(expires, settings.timezone, "en")
    print(f"One-time code linking one more chat app to {person.name}, valid until {until}:")
    print(code)
    return 0


async def areas_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import areas from CSV (all rows or none)."""
    path = Path(args.file)
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:  # noqa: ASYNC230 - CLI, nothing else runs
            rows = list(csv.DictReader(fh))
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return _fail(f"cannot read {path}: {exc}")
    need = {"code", "name", "district", "province"}
    if not rows or not need <= set(rows[0]):
        return _fail(f"{path}: the header must be code,name,district,province")
    store = await Store.open(settings.DATABASE_URL)
    errors, new, updated = [], 0, 0
    try:
        async with store.tx() as tx:
            await load_geography(tx)
            for n, row in enumerate(rows, start=2):
                code, name = (row["code"] or "").strip(), (row["name"] or "").strip()
                district, province = (
                    (row["district"] or "").strip(),
                    (row["province"] or "").strip(),
                )
                if not (code and name and district and province):
                    errors.append(f"line {n}: every column needs a value")
                    continue
                pid = await tx.find_province(province)
                if pid is None:
                    errors.append(f"line {n}: unknown province {province!r}")
                    continue
                did = await tx.find_district(district, pid)
                if did is None:
                    errors.append(f"line {n}: unknown district {district!r} in {province}")
                    continue
                if await tx.upsert_area(code, name, did):
                    new += 1
                else:
                    updated += 1
            if errors:
                raise _Rollback
            await tx.audit(_actor(), "areas_imported", file=path.name, new=new, updated=updated)
    except _Rollback:
        print("\n".join(errors), file=sys.stderr)
        return _fail(f"nothing imported: fix the {len(errors)} line(s) above and run again")
    finally:
        await store.close()
    print(f"imported {new} new and {updated} updated areas")
    return 0


class _Rollback(Exception):
    pass


async def areas_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print areas as CSV."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            areas = await tx.list_areas()
    finally:
        await store.close()
    out = csv.writer(sys.stdout)
    out.writerow(["code", "name", "district", "province"])
    for a in areas:
        out.writerow([a.code, a.name, a.district, a.province])
    return 0


async def people_list(args: argparse.Namespace, settings: Settings) -> int:
    """Print people with role, channels and scope."""
    store = await Store.open(settings.DATABASE_URL)
    out = csv.writer(sys.stdout)
    out.writerow(["id", "name", "role", "language", "channels", "scope"])
    try:
        async with store.tx() as tx:
            for p in await tx.people_list():
                idents = await tx.identities_of(p.id)
                scope = await tx.scope_of(p.id)
                channels = " ".join(sorted({i.channel for i in idents}))
                scope_text = await _scope_names(tx, p.id, scope)
                out.writerow([p.id, p.name, p.role, p.language, channels, scope_text])
    finally:
        await store.close()
    return 0


async def _scope_names(tx: Tx, person_id: int, scope: list[tuple[str, int | None]]) -> str:
    """A scope as people read it: area codes, district and province names, or 'all'."""
    if any(kind == "all" for kind, _ in scope):
        return "all"
    words: list[str] = []
    for kind in ("province", "district"):
        ids = [ref for k, ref in scope if k == kind and ref is not None]
        if ids:
            words += [f"{kind}:{th}" for th, _ in (await tx.place_names(kind, ids)).values()]
    area_ids = {ref for k, ref in scope if k == "area"}
    words += [f"{a.code} ({a.name})" for a in await tx.areas_of_person(person_id)
              if a.id in area_ids]  # fmt: skip
    return " ".join(words)


def read_cli_date(text: str, option: str) -> date | None:
    """YYYY-MM-DD in the Common or Buddhist Era (2569-11-30 is 2026-11-30); says which it read."""
    try:
        year, month, day = (int(x) for x in text.strip().split("-"))
        if year > 2400:  # a Buddhist Era year
            read = date(year - BE_OFFSET, month, day)
            print(f"prasan: reading {option} {text} as {read.isoformat()} "
                  f"(Buddhist Era {year} = {read.year})", file=sys.stderr)  # fmt: skip
            return read
        return date(year, month, day)
    except ValueError:
        return None


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
            rows = await tx.export_reports(since)
            extras = await followup_columns(tx, settings, [r.id for r in rows])
            await tx.audit(_actor(), "export_reports", count=len(rows), since=args.since,
                           format=args.format, out=args.out or "stdout")  # fmt: skip
    finally:
        await store.close()
    write_reports(rows, settings.timezone, args.format, args.out, extras)
    if args.out:
        print(f"exported {len(rows)} reports to {args.out}", file=sys.stderr)
    return 0


async def nlp_analyze(args: argparse.Namespace, settings: Settings) -> int:
    """Analyse Thai text from stdin, one JSON object a line."""
    from bot.nlp import analyze_stream

    analyze_stream(sys.stdin, sys.stdout)
    return 0
