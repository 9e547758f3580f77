"""The Malay (Rumi) catalog as Patani Malay readers read it (issue 13): Malay words, one set of terms."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from bot.dates import MONTHS, format_date, format_datetime, format_day
from bot.meeting_notices import meeting_day

PO = Path(__file__).resolve().parent.parent / "locales" / "ms" / "LC_MESSAGES" / "prasan.po"
ENGLISH_SHORT = {m[:3] for m in MONTHS["en"]} - {m[:3] for m in MONTHS["ms"]}
# Indonesian where Malaysian/Patani Malay says otherwise (in brackets): a reader notices them.
INDONESIAN = ("silakan", "bisa", "kegiatan", "rapat", "kantor", "tombol", "kirim", "tanggal",
              "berhasil", "kamu", "nggak", "dong")  # fmt: skip
# (sila, boleh, aktiviti, mesyuarat, pejabat, butang, hantar, tarikh, berjaya, anda, tidak, -)


def malay_strings() -> list[str]:
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    out = []
    for m in catalog:
        if m.id:
            out.extend([m.string] if isinstance(m.string, str) else list(m.string))
    return out


@pytest.mark.parametrize("month", range(1, 13))
def test_malay_dates_have_malay_month_names(month: int) -> None:
    at = datetime(2026, month, 15, 3, 0, tzinfo=UTC)
    shown = [
        format_date(at, ZoneInfo("Asia/Bangkok"), "ms", short=short) for short in (True, False)
    ]
    shown += [format_datetime(at, ZoneInfo("Asia/Bangkok"), "ms"), format_day(at.date(), "ms")]
    for text in shown:
        assert MONTHS["ms"][month - 1] in text, text
        assert not set(re.findall(r"[A-Z][a-z]+", text)) & ENGLISH_SHORT, text


def test_the_catalog_is_complete_and_malay() -> None:
    strings = malay_strings()
    assert strings and all(strings), "every message has a Malay translation"
    words = {w.casefold() for s in strings for w in re.findall(r"[A-Za-z]+", s)}
    assert not words & set(INDONESIAN)
    assert "baru" not in words, "the standard spelling is baharu"
    assert not words & {"jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}


def test_terms_are_used_consistently() -> None:
    text = "\n".join(malay_strings())
    assert "kawasan kecil aman damai" in text and "kawasan aman kecil" not in text
    assert "Cara guna" not in text and "huruf" not in text  # characters are aksara
    assert "Seberapa" not in text
    with PO.open("rb") as fh:
        catalog = read_po(fh)
    # A supervisor is one term everywhere, capitalised or not.
    assert {catalog[k].string.casefold() for k in ("Supervisors", "supervisor", "supervisors")} == {
        "pemantau kawasan"}  # fmt: skip


def test_malay_dates_carry_the_masihi_year_and_no_english_era() -> None:
    """No "BE" (English) in Malay: the Common Era year, as written Malay dates (bot.dates)."""
    at = datetime(2026, 11, 30, 14, 36, tzinfo=UTC)  # 21.36 in Bangkok
    bangkok = ZoneInfo("Asia/Bangkok")
    assert format_datetime(at, bangkok, "ms") == "30 November 2026 21.36"
    assert format_date(at, bangkok, "ms") == "30 November 2026"
    assert format_day(datetime(2027, 1, 2).date(), "ms") == "2 Januari 2027"
    assert meeting_day(datetime(2026, 12, 15, 2, 0, tzinfo=UTC), bangkok, "ms") == (
        "Selasa, 15 Disember 2026")  # fmt: skip
    # Thai keeps the Buddhist Era, English marks it.
    assert format_date(at, bangkok, "th") == "30 พฤศจิกายน 2569"
    assert format_date(at, bangkok, "en") == "30 November 2569 BE"


def test_malay_date_examples_match_the_dates_malay_readers_see() -> None:
    """A prompt's example date is in the era Malay dates are shown in; both eras are read."""
    examples = [s for s in malay_strings() if re.search(r"\d+/\d+/\d{4}", s)]
    assert examples and all("/2026" in s and "/2569" not in s for s in examples), examples
