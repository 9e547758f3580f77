"""Every fixed button label fits LINE's 20 UTF-16 units in th, en and ms (issue 13).

tests/test_locales.py measures a hand-kept list; this one finds the labels in the source, so a
new button cannot slip past: the first argument of every `Button(...)` (each t("…") inside it,
whichever branch is shown), every t("…") assigned to a `*label` name, and the N_("…") label
tables (menu items, ticket moves, audience kinds, edit parts, categories, urgency), that is
every N_ text that is not a sentence.  Telegram has no shorter limit, so LINE's is the measure.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from bot.i18n import translator
from bot.textcut import utf16_len
from handlers.labels import STATUS_NAMES

ROOT = Path(__file__).resolve().parent.parent
LINE_LABEL_LIMIT = 20
SENTENCE = re.compile(r"[.!?:👇…]\s*$|[.!?] ")
# N_ texts that are messages or command descriptions, not button labels.
NOT_LABELS = ROOT / "bot" / "channels", ROOT / "bot" / "admin_people.py"


def _is_t(node: ast.AST) -> str | None:
    """The literal message of a t("…") / ctx.t("…") / N_("…") call."""
    if not isinstance(node, ast.Call) or not node.args:
        return None
    name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
    first = node.args[0]
    if name in ("t", "N_") and isinstance(first, ast.Constant) and isinstance(first.value, str):
        return first.value
    return None


def _literals(node: ast.AST) -> set[str]:
    return {m for sub in ast.walk(node) if (m := _is_t(sub)) is not None}


def source_labels() -> set[str]:
    found: set[str] = set()
    files = [*(ROOT / "handlers").rglob("*.py"), *(ROOT / "bot").rglob("*.py")]
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Button":
                found |= _literals(node.args[0]) if node.args else set()
            elif isinstance(node, ast.Assign) and any(
                isinstance(tg, ast.Name) and tg.id.endswith("label") for tg in node.targets
            ):
                found |= _literals(node.value)
            elif (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", None) == "N_"
                and not any(path.is_relative_to(p) or path == p for p in NOT_LABELS)
                and (text := _is_t(node)) is not None
                and not SENTENCE.search(text)
                and text not in STATUS_NAMES.values()  # shown in lists, never on a button
            ):
                found.add(text)
    return found


def shown(text: str) -> str:
    """A label as the widest plausible value makes it: ids 12345, counts 12,345."""
    return re.sub(r"\{(\w*)\}", lambda m: "12345" if m.group(1) == "id" else "12,345", text)


def test_the_scan_finds_the_labels_it_must() -> None:
    labels = source_labels()
    for known in ("✖️ Cancel", "👉 Progress update", "🔗 Same as #{id}", "🎭 By role",
                  "🔁 Replace their areas", "⏸️ Deactivate", "Activity date", "✅ I will attend"):  # fmt: skip
        assert known in labels, known
    assert len(labels) > 80


@pytest.mark.parametrize("lang", ["th", "en", "ms"])
def test_every_button_label_fits_line(lang: str) -> None:
    t = translator(lang)
    too_long = {m: (shown(t(m)), utf16_len(shown(t(m)))) for m in source_labels()}
    assert {m: v for m, v in too_long.items() if v[1] > LINE_LABEL_LIMIT} == {}
