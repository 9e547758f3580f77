"""Report export: CSV (UTF-8 with BOM, so Excel shows Thai) or XLSX."""

from __future__ import annotations

import csv
import io
import sys
from collections.abc import Mapping, Sequence
from zoneinfo import ZoneInfo

from storage.queries_reports import ReportRow

COLUMNS = ("id", "kind", "created_at", "area_code", "area_name", "district", "province",
           "reporter", "text", "category", "severity", "participants", "status",
           # Problem follow-up (appended, so the columns above keep their places):
           "photo_count", "photo_links", "latitude", "longitude", "state",
           "state_changed_at")  # fmt: skip
EMPTY_EXTRA = [0, "", "", "", "", ""]


# A cell starting with one of these is a formula to Excel and LibreOffice (tab and CR too:
# some import paths strip them and then see the rest). https://owasp.org/www-community/attacks/CSV_Injection
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value: object) -> object:
    """A text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def as_records(
    rows: Sequence[ReportRow], tz: ZoneInfo, extras: Mapping[int, list[object]] | None = None
) -> list[list[object]]:
    """Rows in column order, times in ISO 8601 in the programme's zone."""
    extras = extras or {}
    return [
        [
            r.id, r.kind, r.created_at.astimezone(tz).isoformat(timespec="seconds"),
            r.area_code or "", r.area_name or "", r.district or "", r.province or "",
            r.reporter, r.text, r.category or "", r.severity or "",
            "" if r.participants is None else r.participants, r.status,
            *extras.get(r.id, [*EMPTY_EXTRA[:4], r.status, ""]),
        ]
        for r in rows
    ]  # fmt: skip


def write_reports(
    rows: Sequence[ReportRow], tz: ZoneInfo, fmt: str, out: str | None,
    extras: Mapping[int, list[object]] | None = None,
) -> None:  # fmt: skip
    """Write the export to a file, or CSV to stdout (formula-like cells escaped)."""
    records = [[escape_cell(v) for v in rec] for rec in as_records(rows, tz, extras)]
    if fmt == "xlsx":
        from bot.export_xlsx import write_xlsx

        write_xlsx(rows, tz, out or "reports.xlsx", extras)
        return
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    writer.writerows(records)
    data = "\ufeff" + buf.getvalue()
    if out:
        with open(out, "w", encoding="utf-8", newline="") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data.encode("utf-8"))
        sys.stdout.flush()
