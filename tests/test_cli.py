"""The command line as an operator uses it: demo, invite, console script, areas, export."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook


@pytest.fixture
def cli(tmp_path: Path, database_url: str):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(PYTHAINLP_OFFLINE="1", DATABASE_URL=database_url)

    def run(*args: str, stdin: str | None = None, ok: bool = True) -> subprocess.CompletedProcess:  # type: ignore[type-arg]
        proc = subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env,
                              cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
        if ok:
            assert proc.returncode == 0, proc.stderr
        return proc

    return run


def test_scripted_console_session_registers_reports_and_exports(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "prasan console --as somchai" in cli("demo").stdout
    code = cli("invite", "--role", "coordinator", "--area", "PTN01", "--area", "PTN02",
               "--name", "นิรันดร์ ทดสอบ").stdout.strip().splitlines()[-1]  # fmt: skip
    script = "\n".join([
        "สวัสดี", code,
        "1", "2", "จัดเวทีรับฟังปัญหาที่บ้านตะโละกาโปร์ มีผู้เข้าร่วม ๔๒ คน", "1", "1", "1",
        # triage: 2 = problem (fixed order); area 1; suggested category; medium; skip photos; send
        "ชาวบ้านเดือดร้อนเรื่องราคายางตกต่ำ ไม่มีรายได้", "2", "1", "1", "2", "1", "1",
    ]) + "\n"  # fmt: skip
    out = cli("console", "--as", "niran", stdin=script).stdout
    assert "ยินดีต้อนรับค่ะ คุณนิรันดร์ ทดสอบ" in out
    assert "[1] 📝 ส่งความก้าวหน้า" in out
    assert "รายงานเลขที่ #1" in out and "เรื่องเลขที่ #2" in out
    assert "“อาชีพและรายได้”" in out
    exported = cli("export", "reports").stdout
    assert exported.startswith("\ufeffid,kind,created_at,area_code,area_name,district,province,"
                               "reporter,text,category,severity,participants,status")  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(exported.lstrip("\ufeff"))))
    assert [(r["kind"], r["area_code"], r["participants"], r["status"]) for r in rows] == [
        ("progress", "PTN02", "42", "submitted"), ("obstacle", "PTN01", "", "open")]  # fmt: skip
    assert rows[1]["category"] == "livelihood" and rows[1]["severity"] == "medium"
    assert rows[0]["created_at"].endswith("+07:00") and rows[0]["reporter"] == "นิรันดร์ ทดสอบ"
    assert rows[0]["province"] == "ปัตตานี" and rows[0]["district"] == "ยะหริ่ง"


def test_console_numbers_press_buttons_and_show_them(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    out = cli("console", "--as", "somchai", stdin="/start\n6\n2\n").stdout
    assert "[6] 🌐 ภาษา" in out and "[2] English" in out
    assert "in English from now on" in out and "[1] 📝 Report progress" in out


def test_invite_contract(cli) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    codes = {cli("invite", "--role", "coordinator", "--area", "PTN01").stdout.splitlines()[-1]
             for _ in range(3)}  # fmt: skip
    assert len(codes) == 3 and all(len(c.replace("-", "")) == 10 for c in codes)
    sup = cli("invite", "--role", "supervisor", "--province", "Yala", "--name", "หัวหน้า")
    assert "valid until" in sup.stdout and "2569 BE" in sup.stdout
    bad = cli("invite", "--role", "coordinator", "--area", "NOPE", ok=False)
    assert bad.returncode == 1 and "unknown area code 'NOPE'" in bad.stderr
    none = cli("invite", "--role", "coordinator", ok=False)
    assert none.returncode == 1 and "--area" in none.stderr
    assert cli("invite", "--role", "admin").stdout.strip().splitlines()[-1]
    link = cli("invite", "--person", "1")
    assert "linking one more chat app to สมชาย ใจดี" in link.stdout
    assert len(link.stdout.strip().splitlines()[-1].replace("-", "")) == 10
    both = cli("invite", "--person", "1", "--area", "PTN01", ok=False)
    assert both.returncode == 1 and "give it alone" in both.stderr
    assert "no active person" in cli("invite", "--person", "999", ok=False).stderr


def test_areas_import_updates_rather_than_duplicates(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    f = tmp_path / "areas.csv"
    f.write_text("code,name,district,province\nNEW01,บ้านใหม่,Sai Buri,Pattani\n"
                 "NEW02,บ้านควน,เทพา,สงขลา\n", encoding="utf-8-sig")  # fmt: skip
    assert "2 new and 0 updated" in cli("areas", "import", str(f)).stdout
    f.write_text("code,name,district,province\nNEW01,บ้านใหม่พัฒนา,สายบุรี,ปัตตานี\n")
    assert "0 new and 1 updated" in cli("areas", "import", str(f)).stdout
    listed = cli("areas", "list").stdout
    assert "NEW01,บ้านใหม่พัฒนา,สายบุรี,ปัตตานี" in listed and listed.count("NEW01") == 1
    f.write_text("code,name,district,province\nX1,บ้าน,ไม่มีอำเภอนี้,ปัตตานี\nX2,,เทพา,สงขลา\n")
    bad = cli("areas", "import", str(f), ok=False)
    assert bad.returncode == 1 and "line 2: unknown district" in bad.stderr
    assert "line 3" in bad.stderr and "X2" not in cli("areas", "list").stdout
    f.write_text("kode,nama\n1,2\n")
    assert "header must be code,name,district,province" in cli("areas", "import", str(f),
                                                               ok=False).stderr  # fmt: skip


def test_people_list_and_xlsx_export(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    cli("demo")
    people = cli("people", "list").stdout
    assert "สมชาย ใจดี,coordinator,th,console" in people
    out = tmp_path / "r.xlsx"
    cli("export", "reports", "--format", "xlsx", "--out", str(out), "--since", "2026-01-01")
    ws = load_workbook(out).active
    assert [c.value for c in ws[2]][:3] == ["id", "kind", "created_at"]  # codes under Thai titles
    bad = cli("export", "reports", "--since", "21/11/2569", ok=False)
    assert "YYYY-MM-DD" in bad.stderr


def test_nlp_analyze_prints_one_json_object_a_line(cli) -> None:  # type: ignore[no-untyped-def]
    import json

    out = cli("nlp", "analyze", stdin="ประชุมแกนนำชุมชน ๒๐ คน\n\nยาเสพติดระบาดหนัก\n").stdout
    objs = [json.loads(line) for line in out.splitlines()]
    assert len(objs) == 2
    assert set(objs[0]) == {"tokens", "keywords", "kind", "category", "confidence", "participants"}
    assert objs[0]["participants"] == 20 and objs[1]["category"] == "drugs"
    assert objs[1]["kind"] == "obstacle" and 0 <= objs[1]["confidence"] <= 1


def test_db_upgrade_and_python_dash_m(cli) -> None:  # type: ignore[no-untyped-def]
    assert "up to date" in cli("db", "upgrade").stdout
    assert "up to date" in cli("db", "upgrade").stdout
