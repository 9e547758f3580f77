"""`prasan areas import` with the files programme offices really have (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.admin_areas import ImportError_, bare_place, decode, duplicates, read_rows
from tests.test_cli_admin import env, one_line_error, prasan  # noqa: F401 - fixture

HEADER = "Code, NAME ,District,Province\n"


def test_encodings_are_detected() -> None:
    text = "code,name,district,province\nNEW01,บ้านใหม่,สายบุรี,ปัตตานี\n"
    assert decode(text.encode("cp874")) == text  # Thai Excel's "CSV"
    assert decode(text.encode("tis-620")) == text
    assert decode(text.encode("utf-8")) == text
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8")) == text  # the BOM is not a header
    with pytest.raises(ImportError_):
        decode("บ้าน".encode("utf-16"))


def test_headers_places_and_codes_are_normalised() -> None:
    rows = read_rows(HEADER + "ptn09 ,บ้านใหม่,อ.สายบุรี,จ.ปัตตานี\nPtn10,บ้านควน,อำเภอ เทพา,จังหวัดสงขลา\n")
    assert [(r.line, r.code, r.district, r.province) for r in rows] == [
        (2, "PTN09", "สายบุรี", "ปัตตานี"), (3, "PTN10", "เทพา", "สงขลา")]  # fmt: skip
    assert bare_place("province", "Pattani") == "Pattani"


def test_duplicates_name_both_lines_and_an_empty_file_says_no_rows() -> None:
    rows = read_rows(HEADER + "A1,x,เทพา,สงขลา\nB1,y,เทพา,สงขลา\n\na1,z,เทพา,สงขลา\n")
    assert duplicates(rows) == [(5, "code A1 is also on line 2")]
    with pytest.raises(ImportError_, match="no rows"):
        read_rows(HEADER + "\n")


@pytest.mark.slow
def test_import_cli(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811 - fixture
    f = tmp_path / "areas.csv"
    f.write_bytes((HEADER + "new01,บ้านใหม่,สายบุรี,จ.ปัตตานี\n"
                   "NEW02,บ้านควน,อ.เทพา,จังหวัดสงขลา\n").encode("cp874"))  # fmt: skip
    done = prasan(env, tmp_path, "areas", "import", str(f))
    assert done.returncode == 0 and "2 new and 0 updated" in done.stdout, done.stderr
    # Codes are case-insensitive: the same area again, however typed, is an update.
    f.write_text(HEADER + "New01,บ้านใหม่พัฒนา,สายบุรี,ปัตตานี\n", encoding="utf-8")
    assert "0 new and 1 updated" in prasan(env, tmp_path, "areas", "import", str(f)).stdout
    listed = prasan(env, tmp_path, "areas", "list").stdout
    assert "NEW01,บ้านใหม่พัฒนา,สายบุรี,ปัตตานี" in listed and listed.count("NEW01") == 1
    by_area = prasan(env, tmp_path, "people", "list", "--area", "new01")
    assert by_area.returncode == 0 and by_area.stdout.startswith("id,name"), by_area.stderr
    invited = prasan(env, tmp_path, "invite", "--role", "coordinator", "--area", "new02")
    assert invited.returncode == 0, invited.stderr

    f.write_text(HEADER + "X1,a,เทพา,สงขลา\nx1,b,เทพา,สงขลา\n", encoding="utf-8-sig")
    dup = prasan(env, tmp_path, "areas", "import", str(f))
    assert "line 3: code X1 is also on line 2" in dup.stderr and dup.returncode == 1
    assert "X1" not in prasan(env, tmp_path, "areas", "list").stdout

    f.write_text(HEADER, encoding="utf-8")
    assert "no rows" in one_line_error(prasan(env, tmp_path, "areas", "import", str(f)))
