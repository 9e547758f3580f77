"""Admin CLI messages in the operator's language when PRASAN_LANGUAGE is set (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_admin import env, one_line_error, prasan  # noqa: F401 - fixture

pytestmark = pytest.mark.slow


def test_thai_messages(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    th = {**env, "PRASAN_LANGUAGE": "th"}
    assert "โหลดข้อมูลตัวอย่างแล้วค่ะ" in prasan(th, tmp_path, "demo").stdout
    invited = prasan(th, tmp_path, "invite", "--role", "coordinator", "--area", "ptn01",
                     "--name", "นิรันดร์")  # fmt: skip
    first = invited.stdout.splitlines()[0]
    assert "สำหรับคุณนิรันดร์ ใช้ได้ถึง" in first and " 25" in first, invited.stdout  # BE year
    line = one_line_error(prasan(th, tmp_path, "export", "reports", "--out", "nope/r.csv"))
    assert line == "prasan: เขียนไฟล์ nope/r.csv ไม่ได้ เพราะไม่มีโฟลเดอร์ nope ค่ะ"
    done = prasan(th, tmp_path, "export", "reports", "--since", "2569-11-01", "--out", "r.csv")
    assert "อ่าน --since 2569-11-01 เป็น 2026-11-01 (พ.ศ. 2569 = ค.ศ. 2026) ค่ะ" in done.stderr
    assert "ส่งออกรายงาน 0 ฉบับไปที่ r.csv แล้วค่ะ" in done.stderr
    (tmp_path / "empty.csv").write_text("code,name,district,province\n", encoding="utf-8")
    assert "ไม่มีแถวข้อมูล" in one_line_error(prasan(th, tmp_path, "areas", "import", "empty.csv"))
    holiday = prasan(th, tmp_path, "holidays", "add", "2570-03-10", "--regional").stdout
    assert "2027-03-10 (10 มีนาคม 2570) เป็นวันหยุดสำหรับ regional แล้วค่ะ" in holiday
    assert "พบ 0 รายการ" in prasan(th, tmp_path, "search", "ประชุม").stderr
    shown = prasan(th, tmp_path, "people", "show", "1").stdout
    assert "บทบาท: coordinator" in shown and "ใช้งานอยู่" in shown and "บัญชีแชต 1: console" in shown
    console = prasan(th, tmp_path, "console", stdin="สวัสดี\n")
    assert "ยังไม่ได้ลงทะเบียนค่ะ" in console.stderr and "--as somchai" in console.stderr
    assert "ไม่พบรหัสพื้นที่ “X9”" in one_line_error(
        prasan(th, tmp_path, "invite", "--role", "coordinator", "--area", "X9"))  # fmt: skip


def test_malay_and_english_messages(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    prasan(env, tmp_path, "demo")
    (tmp_path / "bad.csv").write_text("code,name,district,province\nA1,x,เทพา,สงขลา\n"
                                      "a1,y,เทพา,สงขลา\n", encoding="utf-8")  # fmt: skip
    ms = prasan({**env, "PRASAN_LANGUAGE": "ms"}, tmp_path, "areas", "import", "bad.csv")
    assert "baris 3: kod A1 juga ada pada baris 2" in ms.stderr
    assert "tiada apa yang diimport" in ms.stderr
    # Unset, the CLI speaks English whatever the bot's default language: scripts read it.
    en = prasan(env, tmp_path, "areas", "import", "bad.csv")
    assert "line 3: code A1 is also on line 2" in en.stderr
