"""Catalogs: th and en complete, placeholders consistent, labels fit LINE's 20 characters."""

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


@pytest.mark.parametrize("lang", ["th", "en"])
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


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_button_labels_fit_line_quick_replies(lang: str) -> None:
    from handlers.labels import CATEGORY_NAMES, SEVERITY_NAMES
    from handlers.menu import COORDINATOR_ITEMS, SUPERVISOR_ITEMS

    t = translator(lang)
    labels = [t(label) for _, label in COORDINATOR_ITEMS + SUPERVISOR_ITEMS]
    labels += [t(x) for x in (*CATEGORY_NAMES.values(), *SEVERITY_NAMES.values())]
    labels += [t(x) for x in ("✖️ Cancel", "✅ Send", "✏️ Edit", "⏭️ Skip", "✅ Done",
                              "➖ Not counted", "📝 Progress update", "⚠️ A problem")]  # fmt: skip
    too_long = [label for label in labels if len(label) > 20]
    assert too_long == []


def test_thai_is_the_default_and_unknown_falls_back() -> None:
    assert translator("th")("✖️ Cancel") == "✖️ ยกเลิก"
    assert translator("xx").lang == "th"
    assert translator("en")("✖️ Cancel") == "✖️ Cancel"
