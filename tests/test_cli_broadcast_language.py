"""`prasan broadcast` and `prasan meeting` speak PRASAN_LANGUAGE and say which year --at read."""

from __future__ import annotations

import pytest

from tests.test_broadcast_cli import cli  # noqa: F401 - fixture


def test_broadcast_in_thai_says_it_read_a_buddhist_era_year(  # type: ignore[no-untyped-def]
    cli,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PRASAN_LANGUAGE", "th")
    later = cli("broadcast", "--to", "province:Pattani", "--text", "ประชุมประจำเดือน",
                "--at", "2600-01-01 09:00", "--yes")  # fmt: skip
    assert "อ่าน --at 2600-01-01 09:00 เป็น 2057-01-01 09:00 (พ.ศ. 2600 = ค.ศ. 2057) ค่ะ" in (
        later.stderr)  # fmt: skip
    assert "ถึง จังหวัดปัตตานี: 2 คน" in later.stdout, later.stdout
    assert "จะส่งเวลา 1 ม.ค. 2600 09.00 น. ค่ะ" in later.stdout, later.stdout
    assert "ตั้งเวลาส่งประกาศ #1 แล้วค่ะ" in later.stdout
    asked = cli("broadcast", "--to", "all", "--text", "x", stdin="ไม่\n", code=1)
    assert "ส่งประกาศนี้เข้าคิวใช่ไหมคะ [y/N]" in asked.stdout
    assert "ยังไม่ได้ส่งสิ่งใดค่ะ" in asked.stdout
    for args, says in [
        (("--to", "all", "--text", "x", "--at", "2563-01-01 09:00", "--yes"),
         "--at เป็นเวลาที่ผ่านไปแล้ว"),
        (("--to", "all", "--text", "x", "--at", "พรุ่งนี้", "--yes"), "--at ต้องเป็น"),
        (("--to", "all", "--yes"), "กรุณาระบุ --to TARGET และ --text TEXT ค่ะ"),
        (("show", "99"), "ไม่พบประกาศ #99 ค่ะ"),
    ]:  # fmt: skip
        err = cli("broadcast", *args, code=1).stderr.strip()
        assert "Traceback" not in err and says in err.splitlines()[-1], err
    shown = cli("broadcast", "show", "1").stderr
    assert "# ประกาศ #1 ถึง จังหวัดปัตตานี สถานะ" in shown, shown


def test_a_common_era_year_is_read_silently_and_english_says_buddhist_era(  # type: ignore[no-untyped-def]
    cli,  # noqa: F811
) -> None:
    ce = cli("broadcast", "--to", "all", "--text", "x", "--at", "2057-01-01 09:00", "--yes")
    assert "Buddhist Era" not in ce.stderr and "Sending at 1 Jan 2600 BE 09:00." in ce.stdout, ce
    be = cli("broadcast", "--to", "all", "--text", "x", "--at", "๐๑/๐๑/๒๖๐๐ 09.00", "--yes")
    assert "reading --at ๐๑/๐๑/๒๖๐๐ 09.00 as 2057-01-01 09:00 (Buddhist Era 2600 = 2057)" in (
        be.stderr)  # fmt: skip


def test_meeting_in_thai_and_malay(cli, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    monkeypatch.setenv("PRASAN_LANGUAGE", "th")
    made = cli("meeting", "create", "--title", "ประชุมประจำเดือน", "--at", "2600-01-05 09:00",
               "--venue", "ศาลากลาง", "--to", "province:Yala", "--yes")  # fmt: skip
    assert "อ่าน --at 2600-01-05 09:00 เป็น 2057-01-05 09:00 (พ.ศ. 2600 = ค.ศ. 2057) ค่ะ" in (
        made.stderr)  # fmt: skip
    assert "“ประชุมประจำเดือน” วันที่ 5 ม.ค. 2600 09.00 น. ที่ ศาลากลาง เชิญ จังหวัดยะลา: " in (
        made.stdout), made.stdout  # fmt: skip
    assert "สร้างการประชุม #1 แล้วค่ะ" in made.stdout
    moved = cli("meeting", "update", "1", "--at", "2600-01-06 10:00")
    assert "อ่าน --at 2600-01-06 10:00 เป็น 2057-01-06 10:00" in moved.stderr
    assert "แก้ไขการประชุม #1 แล้วค่ะ" in moved.stdout
    assert "ยกเลิกการประชุม #1 แล้วค่ะ" in cli("meeting", "cancel", "1").stdout
    assert "ไม่พบการประชุม #7 ค่ะ" in cli("meeting", "attendees", "7", code=1).stderr
    monkeypatch.setenv("PRASAN_LANGUAGE", "ms")
    again = cli("meeting", "cancel", "1", code=1).stderr
    assert "mesyuarat #1 tiada atau sudah dibatalkan" in again
    made = cli("meeting", "create", "--title", "x", "--at", "2600-01-05 09:00", "--venue", "v",
               "--to", "all", "--yes")  # fmt: skip
    assert "(Tahun Buddha 2600 = 2057)" in made.stderr and "Mesyuarat #2 dibuat" in made.stdout
