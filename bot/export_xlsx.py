"""The XLSX export: a workbook a programme office opens in Excel and reads at once.

Row 1 holds Thai column titles, row 2 the column codes of the CSV export (the contract scripts
rely on), data from row 3. Times are real Excel date-times in Asia/Bangkok (Excel has no time
zones: the title says which). One sheet per kind of report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.export import COLUMNS, as_records, escape_cell
from storage.queries_reports import ReportRow

TITLES = {
    "id": "เลขที่",
    "kind": "ประเภท",
    "created_at": "วันเวลาที่ส่ง (เวลาประเทศไทย)",
    "area_code": "รหัสพื้นที่",
    "area_name": "ชื่อพื้นที่",
    "district": "อำเภอ",
    "province": "จังหวัด",
    "reporter": "ผู้รายงาน",
    "text": "ข้อความ",
    "category": "หมวดหมู่",
    "severity": "ระดับความเร่งด่วน",
    "participants": "ผู้เข้าร่วม (คน)",
    "status": "สถานะ",
    "photo_count": "จำนวนรูปภาพ",
    "photo_links": "ลิงก์รูปภาพ",
    "latitude": "ละติจูด",
    "longitude": "ลองจิจูด",
    "state": "สถานะการติดตาม",
    "state_changed_at": "วันเวลาที่เปลี่ยนสถานะ (เวลาประเทศไทย)",
}
# Sheet per kind, in this order, even when empty: a macro or a formula can rely on it.
SHEETS = {"progress": "ความก้าวหน้า", "obstacle": "ปัญหาอุปสรรค"}
TIMES = ("created_at", "state_changed_at")
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
WIDTH_MIN, WIDTH_MAX, WIDTH_TEXT = 8, 40, 60


def _cell(column: str, value: object) -> object:
    """ISO times become naive Bangkok datetimes (a real Excel date); other text is escaped."""
    if column in TIMES and isinstance(value, str) and value:
        return datetime.fromisoformat(value).replace(tzinfo=None)
    return escape_cell(value)


def write_xlsx(
    rows: Sequence[ReportRow], tz: ZoneInfo, out: str,
    extras: Mapping[int, list[object]] | None = None,
) -> None:  # fmt: skip
    """Write the reports to `out`, one sheet per kind."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    by_kind: dict[str, list[list[object]]] = {kind: [] for kind in SHEETS}
    for row, rec in zip(rows, as_records(rows, tz, extras), strict=True):
        by_kind.setdefault(row.kind, []).append(rec)
    bold = Font(bold=True)
    for kind, records in by_kind.items():
        ws = wb.create_sheet(SHEETS.get(kind, kind)[:31])  # Excel's sheet-name limit
        ws.append([TITLES[c] for c in COLUMNS])
        ws.append(list(COLUMNS))
        for rec in records:
            ws.append([_cell(c, v) for c, v in zip(COLUMNS, rec, strict=True)])
        for header in ws.iter_rows(min_row=1, max_row=2):
            for cell in header:
                cell.font = bold
        ws.freeze_panes = "A3"
        last = get_column_letter(len(COLUMNS))
        ws.auto_filter.ref = f"A2:{last}{max(ws.max_row, 2)}"
        for i, column in enumerate(COLUMNS, start=1):
            letter = get_column_letter(i)
            if column in TIMES:
                for (cell,) in ws.iter_rows(min_row=3, min_col=i, max_col=i):
                    cell.number_format = DATETIME_FORMAT
            ws.column_dimensions[letter].width = _width(column, records, i - 1)
        for (cell,) in ws.iter_rows(min_row=3, min_col=COLUMNS.index("text") + 1,
                                    max_col=COLUMNS.index("text") + 1):  # fmt: skip
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    wb.save(out)


def _width(column: str, records: list[list[object]], index: int) -> float:
    """Wide enough for the title and most values; long free text wraps instead."""
    if column == "text":
        return WIDTH_TEXT
    if column in TIMES:
        return 18
    longest = max([len(TITLES[column]), len(column), *(len(str(r[index])) for r in records)])
    return float(min(WIDTH_MAX, max(WIDTH_MIN, longest + 2)))
