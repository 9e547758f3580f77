"""Catalogs: th, en and ms complete, placeholders consistent, labels fit LINE, words to avoid."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import translator

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
PLACEHOLDER = re.compile(r"\{(\w*)\}")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALES / lang / "LC_MESSAGES" / "prasan.po").open("rb") as fh:
        return read_po(fh, locale=lang)


def pot_ids() -> set[object]:
    with (LOCALES / "prasan.pot").open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


def test_template_is_up_to_date(tmp_path: Path) -> None:
    out = tmp_path / "fresh.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "locales/babel.cfg",
         "-k", "t", "-k", "N_", "-k", "plural:1,2", "--no-location", "-o", str(out), "."],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with out.open("rb") as fh:
        fresh = {m.id for m in read_po(fh) if m.id}
    assert fresh - pot_ids() == set(), "run `python3 dev.py locales` and translate the new strings"


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_catalog_complete(lang: str) -> None:
    cat = catalog(lang)
    ids = {m.id for m in cat if m.id}
    assert pot_ids() - ids == set()
    untranslated = [m.id for m in cat if m.id and (not m.string or m.fuzzy)]
    assert untranslated == []


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_placeholders_match(lang: str) -> None:
    for m in catalog(lang):
        if not m.id or not m.string:
            continue
        ids = [m.id] if isinstance(m.id, str) else list(m.id)
        strings = [m.string] if isinstance(m.string, str) else [s for s in m.string if s]
        expected = set(PLACEHOLDER.findall(ids[0]))
        for s in strings:
            assert set(PLACEHOLDER.findall(s)) == expected, (lang, m.id, s)


def button_labels(lang: str) -> list[str]:
    """Every fixed button label the flows show, as the reader sees it."""
    from bot.i18n import number
    from handlers.labels import CATEGORY_NAMES, SEVERITY_NAMES
    from handlers.menu import ITEMS_BY_ROLE

    t = translator(lang)
    labels = [t(label) for items in ITEMS_BY_ROLE.values() for _, label in items]
    labels += [t(x) for x in (*CATEGORY_NAMES.values(), *SEVERITY_NAMES.values())]
    labels += ["✅ " + t(x) for x in CATEGORY_NAMES.values()]  # the suggested category
    labels += [t(x) for x in ("✖️ Cancel", "✅ Send", "✏️ Edit", "⏭️ Skip", "✅ Done", "↩️ Back",
                              "➖ Not counted", "✏️ Change", "📝 Progress update", "⚠️ A problem",
                              "Area", "What happened", "Participants", "Photo / location",
                              "Problem", "Category", "Urgency", "Activity date", "📅 Today",
                              "📅 Yesterday", "🏖️ On leave this week", "📅 On leave until…",
                              "👋 I am back at work")]  # fmt: skip
    labels.append(t("✅ Yes, {n}", n=number(12_345)))
    return labels


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_button_labels_fit_line_counted_in_utf16(lang: str) -> None:
    from bot.textcut import utf16_len

    too_long = [(label, utf16_len(label)) for label in button_labels(lang) if utf16_len(label) > 20]
    assert too_long == []


def test_utf16_counts_emoji_outside_the_bmp_twice() -> None:
    from bot.textcut import utf16_len

    assert len("📝 รายงานความก้าวหน้า") == 20 and utf16_len("📝 รายงานความก้าวหน้า") == 21


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_words_to_avoid(lang: str) -> None:
    """ความรุนแรง means violence in the Deep South; ผู้บังคับบัญชา is chain-of-command talk."""
    bad = ("ความรุนแรง", "รุนแรง", "ผู้บังคับบัญชา", "severity", "keseriusan", "penyelia")
    found = [
        (m.id, s)
        for m in catalog(lang)
        if m.id
        for s in ([m.string] if isinstance(m.string, str) else m.string)
        if s and any(w in s.casefold() for w in bad)
    ]
    assert found == []


def test_thai_voice_uses_one_particle() -> None:
    """The bot's Thai ends sentences with ค่ะ/คะ only, says ขออภัย, and never the casual ได้เลย."""
    wrong = ("ครับ", "นะคะ", "จ้ะ", "ขอโทษ", "ได้เลย", "ไม่มีข้อมูลถูกบันทึก", "ไม่เปิดให้บทบาท",
             "ยังไม่เข้าใจข้อความนี้", "คะ?", "ค่ะ?")  # fmt: skip
    found = [
        s
        for m in catalog("th")
        if m.id
        for s in ([m.string] if isinstance(m.string, str) else m.string)
        if s and any(w in s for w in wrong)
    ]
    assert found == []


def test_style_note_exists() -> None:
    note = (LOCALES / "STYLE.md").read_text(encoding="utf-8")
    assert "ค่ะ" in note and "ความเร่งด่วน" in note and "ผู้ดูแลพื้นที่" in note


def test_thai_is_the_default_and_unknown_falls_back() -> None:
    assert translator("th")("✖️ Cancel") == "✖️ ยกเลิก"
    assert translator("xx").lang == "th"
    assert translator("en")("✖️ Cancel") == "✖️ Cancel"
