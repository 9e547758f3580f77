"""The XLSX export as an office opens it (issue 13): Thai titles over the CSV codes, real dates."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from bot.export import COLUMNS
from bot.export_xlsx import SHEETS, TITLES, write_xlsx
from storage.queries_reports import ReportRow
from tests.test_cli_admin import env, one_line_error, prasan  # noqa: F401 - fixture

BKK = ZoneInfo("Asia/Bangkok")


def report(id_: int, kind: str, text: str = "จัดเวทีรับฟังปัญหา") -> ReportRow:
    return ReportRow(id=id_, kind=kind, created_at=datetime(2026, 11, 30, 14, 36, tzinfo=UTC),
                     area_code="PTN01", area_name="บ้านบางปู", district="ยะหริ่ง",
                     province="ปัตตานี", reporter="สมชาย", text=text, category=None,
                     severity="high" if kind == "obstacle" else None,
                     participants=25 if kind == "progress" else None, status="submitted")  # fmt: skip


def test_workbook_layout(tmp_path: Path) -> None:
    out = tmp_path / "r.xlsx"
    write_xlsx([report(1, "progress"), report(2, "obstacle", "=HYPERLINK(1)"),
                report(3, "progress")], BKK, str(out))  # fmt: skip
    wb = load_workbook(out)
    assert wb.sheetnames == list(SHEETS.values())
    ws = wb[SHEETS["progress"]]
    assert [c.value for c in ws[1]] == [TITLES[c] for c in COLUMNS]
    assert [c.value for c in ws[2]] == list(COLUMNS)  # the CSV contract, for scripts
    assert ws[1][0].font.bold and ws[2][0].font.bold
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == f"A2:S{ws.max_row}"
    assert ws.max_row == 4 and ws["A3"].value == 1 and ws["L3"].value == 25
    created = ws["C3"]
    assert created.is_date and created.value == datetime(2026, 11, 30, 21, 36)  # Bangkok time
    assert created.number_format == "yyyy-mm-dd hh:mm"
    assert ws.column_dimensions["I"].width == 60 and 8 <= ws.column_dimensions["A"].width <= 40
    obstacles = wb[SHEETS["obstacle"]]
    assert obstacles["I3"].value == "'=HYPERLINK(1)" and obstacles["K3"].value == "high"


def test_empty_export_still_has_both_sheets(tmp_path: Path) -> None:
    write_xlsx([], BKK, str(tmp_path / "e.xlsx"))
    wb = load_workbook(tmp_path / "e.xlsx")
    assert wb.sheetnames == list(SHEETS.values()) and wb.worksheets[0].max_row == 2


@pytest.mark.slow
def test_out_xlsx_and_a_failed_write_leaves_no_audit(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    prasan(env, tmp_path, "demo")
    done = prasan(env, tmp_path, "export", "reports", "--out", "r.XLSX")
    assert done.returncode == 0, done.stderr
    assert load_workbook(tmp_path / "r.XLSX").sheetnames == list(SHEETS.values())
    # A folder where the file should go: the write fails (even for root), the folder exists.
    (tmp_path / "taken.csv").mkdir()
    line = one_line_error(prasan(env, tmp_path, "export", "reports", "--out", "taken.csv"))
    assert "cannot write taken.csv" in line
    with sqlite3.connect(tmp_path / "cli.db") as db:
        outs = [r[0] for r in db.execute(
            "select detail from audit_log where action = 'export_reports'")]  # fmt: skip
    assert len(outs) == 1 and "r.XLSX" in outs[0]
