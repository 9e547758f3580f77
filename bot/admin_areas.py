"""`prasan areas import | list`: areas from the spreadsheets programme offices already keep."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from dataclasses import dataclass
from pathlib import Path

from bot.admin_people import actor
from bot.cli_text import fail, t
from bot.config import Settings
from bot.demo import load_geography
from storage.store import Store

COLUMNS = ("code", "name", "district", "province")
# Thai Excel saves "CSV" in the Windows Thai code page (cp874, a superset of TIS-620);
# newer Excel and LibreOffice write UTF-8, with or without a byte-order mark.
ENCODINGS = ("utf-8-sig", "cp874")
# Written before a place name in Thai documents; the reference data holds the bare name.
PREFIXES = {"province": ("จังหวัด", "จ."), "district": ("อำเภอ", "อ.")}


@dataclass(frozen=True)
class Row:
    """One data line of the file, its fields trimmed and the code upper-cased."""

    line: int
    code: str
    name: str
    district: str
    province: str


class ImportError_(Exception):
    """The file as a whole cannot be imported (one line for the operator)."""


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (BOM or not) first, else Thai Windows (cp874 / TIS-620)."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportError_(t("the file is neither UTF-8 nor Thai Windows (cp874/TIS-620) text"))


def bare_place(kind: str, text: str) -> str:
    """'จ.ปัตตานี', 'จังหวัด ปัตตานี' → 'ปัตตานี' (and อ./อำเภอ for districts)."""
    text = " ".join(text.split())
    for prefix in PREFIXES[kind]:
        if text.startswith(prefix):
            return text[len(prefix) :].strip()
    return text


def read_rows(text: str) -> list[Row]:
    """Rows of a code,name,district,province file; headers case- and space-insensitive."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    names = [h.strip().casefold() for h in header or []]
    if not set(COLUMNS) <= set(names):
        raise ImportError_(t("the header must be code,name,district,province"))
    where = {c: names.index(c) for c in COLUMNS}
    rows = []
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # blank lines that spreadsheets leave at the end
        get = {c: (fields[i].strip() if i < len(fields) else "") for c, i in where.items()}
        rows.append(Row(reader.line_num, get["code"].upper(), get["name"],
                        bare_place("district", get["district"]),
                        bare_place("province", get["province"])))  # fmt: skip
    if not rows:
        raise ImportError_(t("no rows: the file has a header but no areas"))
    return rows


def duplicates(rows: list[Row]) -> list[tuple[int, str]]:
    """(5, 'code PTN01 is also on line 2') for each repeated code (case-insensitive)."""
    first: dict[str, int] = {}
    found = []
    for r in rows:
        if r.code and r.code in first:
            found.append((r.line, t("code {code} is also on line {first}", code=r.code,
                                    first=first[r.code])))  # fmt: skip
        first.setdefault(r.code, r.line)
    return found


async def areas_import(args: argparse.Namespace, settings: Settings) -> int:
    """Import areas from CSV (all rows or none); an empty file is an error (exit 1)."""
    path = Path(args.file)
    try:
        rows = read_rows(decode(path.read_bytes()))  # noqa: ASYNC240 - CLI, nothing else runs
    except OSError as exc:
        return fail(t("cannot read {file}: {reason}", file=str(path),
                      reason=exc.strerror or type(exc).__name__))  # fmt: skip
    except (ImportError_, csv.Error) as exc:
        return fail(f"{path}: {exc}")
    errors: list[tuple[int, str]] = duplicates(rows)
    new = updated = 0
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            await load_geography(tx)
            for r in rows:
                if not (r.code and r.name and r.district and r.province):
                    errors.append((r.line, t("every column needs a value")))
                    continue
                pid = await tx.find_province(r.province)
                if pid is None:
                    errors.append((r.line, t("unknown province '{name}'", name=r.province)))
                    continue
                did = await tx.find_district(r.district, pid)
                if did is None:
                    errors.append((r.line, t("unknown district '{name}' in {province}",
                                             name=r.district, province=r.province)))  # fmt: skip
                    continue
                if await tx.upsert_area(r.code, r.name, did):
                    new += 1
                else:
                    updated += 1
            if errors:
                raise _Rollback
            await tx.audit(actor(), "areas_imported", file=path.name, new=new, updated=updated)
    except _Rollback:
        for line, problem in sorted(errors):
            print(t("line {n}: {problem}", n=line, problem=problem), file=sys.stderr)
        return fail(t("nothing imported: fix the {n} line(s) above and run again", n=len(errors)))
    finally:
        await store.close()
    print(t("imported {new} new and {updated} updated areas", new=new, updated=updated))
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
