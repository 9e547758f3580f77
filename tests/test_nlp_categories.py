"""Tests for bot.nlp's report triage: category suggestion (lexicon + naive Bayes) and kind.

Run with PYTHAINLP_OFFLINE=1 so that nothing quietly depends on a downloaded corpus.
The accuracy figures per set and per category: benchmarks/nlp_accuracy.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlp import CATEGORIES, analyze, normalize, suggest_category, tokenize
from bot.nlp.bayes import EXAMPLES, NaiveBayes, features, load_examples, model

ROOT = Path(__file__).resolve().parents[1]
HELD_OUT = ROOT / "tests" / "data" / "categories_heldout.tsv"


def _labelled() -> list[tuple[str, str, str]]:
    return load_examples(EXAMPLES)


def test_categories_contract() -> None:
    assert CATEGORIES == (
        "budget",
        "coordination",
        "security",
        "participation",
        "infrastructure",
        "livelihood",
        "drugs",
        "other",
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("งบประมานยังไม่เบิกจ่ายเลยครับ", "budget"),  # ณ typed as น
        ("ยาเสพติตระบาดในหมู่บ้าน", "drugs"),  # ด typed as ต
        ("ความปลอดภยในหมู่บ้านไม่ค่อยดี", "security"),  # dropped vowel mark
        ("ประสานกับภาคประชาลังคมไม่ได้เลย", "coordination"),  # ส typed as ล
        ("อุปสรรค์ใหญ่คือถนนเข้าหมู่บ้าน", "infrastructure"),
        ("ราคายางตกมาก ชาวบ้านขาดรายได้", "livelihood"),
        ("มีคนร้ายลอบวางระเบิดข้างทาง", "security"),
        ("ชาวบ้านไม่ไว้ใจ ไม่มาร่วมเวที", "participation"),
        ("เด็กต้มน้ำกระท่อมผสม 4x100", "drugs"),
        ("ไฟดับทั้งหมู่บ้าน สัญญาณโทรศัพท์ก็ไม่มี", "infrastructure"),
        ("ทำหนังสือไปอำเภอแล้วไม่มีการตอบกลับ", "coordination"),
        ("นำทวมถนนขาด รถเขาไมได", "infrastructure"),  # every tone mark dropped
        ("ชาวบานไมไวใจโครงการ", "participation"),
    ],
)
def test_suggest_category(text: str, expected: str) -> None:
    best, confidence, ranked = suggest_category(text)
    assert best == expected
    assert 0.0 < confidence <= 1.0
    assert ranked[0] == best and sorted(ranked) == sorted(CATEGORIES)


def test_suggest_category_accepts_tokens_and_falls_back_to_other() -> None:
    assert suggest_category(tokenize("ถนนขาด"))[0] == "infrastructure"
    best, confidence, ranked = suggest_category("สวัสดีครับ")
    assert best == "other" and confidence < 0.5 and len(ranked) == 8


def test_short_terms_do_not_fire_inside_other_words() -> None:
    # ยิง (shoot) must not match ยิ่ง (more); ค้ายา (drug dealing) must not match ค้ายาง.
    assert suggest_category("ชาวบ้านให้ความร่วมมือดียิ่งขึ้น")[0] != "security"
    assert suggest_category("ชาวบ้านค้ายางพารา ราคาตก")[0] == "livelihood"


def test_a_label_in_both_lexicons_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.nlp import classify

    real = classify.load_entries
    monkeypatch.setattr(classify, "load_entries", lambda name: [*real(name), ("budget", 1.0, "งบ")])
    classify._matcher.cache_clear()
    try:
        with pytest.raises(ValueError, match="budget"):
            classify._matcher()
    finally:
        monkeypatch.undo()
        classify._matcher.cache_clear()


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("จัดเวทีรับฟังปัญหาเรียบร้อยแล้ว ผู้เข้าร่วม 35 คน", "progress"),
        ("อบรมอาชีพเสร็จสิ้น ผู้เข้าร่วมพึงพอใจมาก 😊", "progress"),
        ("ลงพื้นที่ถอดบทเรียนกับแกนนำชุมชนเรียบร้อย ไม่มีปัญหาครับ", "progress"),
        ("มีปัญหาเรื่องงบประมาณล่าช้า", "obstacle"),
        ("ไม่สามารถจัดกิจกรรมได้เพราะฝนตกหนัก", "obstacle"),
        ("ยังไม่ได้รับเงินค่าอาหาร", "obstacle"),
        ("งดลงพื้นที่ 3 วัน เพราะมีเหตุระเบิด", "obstacle"),
        ("ชาวบ้านเดือดร้อนเรื่องน้ำประปา", "obstacle"),
        ("มีอุปสรรค์หลายอย่างครับ", "obstacle"),
    ],
)
def test_kind(text: str, kind: str) -> None:
    result = analyze(text)
    assert result.kind == kind
    assert 0.5 <= result.kind_confidence <= 1.0


def test_labelled_set_accuracy_floor() -> None:
    # Regression guard only: the lexicon was corrected on these rows and the model is
    # trained on them (97.7 % category on obstacle rows, 10-fold cross-validation of the
    # model 95.4 %); the held-out test below is the measure of generalisation.
    rows = _labelled()
    assert len(rows) >= 300
    obstacles = [(c, t) for c, k, t in rows if k == "obstacle"]
    category_ok = sum(analyze(t).category == c for c, t in obstacles)
    kind_ok = sum(analyze(t).kind == k for _, k, t in rows)
    assert category_ok / len(obstacles) >= 0.95
    assert kind_ok / len(rows) >= 0.85


def test_held_out_problem_reports_get_the_right_category() -> None:
    # Issue 13: at least 90 % on fresh text.  The file's rows were written after the last
    # change to the lexicon and the model, and nothing is tuned on them (see its header;
    # 95.3 % when first measured).  If a change is made after looking at its errors, its rows
    # join the examples and a new held-out file is written: otherwise this proves nothing.
    rows = load_examples(HELD_OUT)
    assert len(rows) >= 60
    assert {c for c, _, _ in rows} == set(CATEGORIES)
    problems = [(c, t) for c, kind, t in rows if kind == "obstacle"]
    wrong = [(c, t) for c, t in problems if analyze(t).category != c]
    accuracy = 1 - len(wrong) / len(problems)
    assert accuracy >= 0.90, wrong


def test_held_out_rows_are_not_among_the_examples() -> None:
    examples = {normalize(t) for _, _, t in _labelled()}
    assert not [t for _, _, t in load_examples(HELD_OUT) if normalize(t) in examples]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Reports of shootings, bombs, threats, curfews, searches and checkpoints are
        # security even when they are told through their effect on an activity.
        ("ผู้หญิงไม่กล้ามาร่วมประชุมเพราะด่านตรวจเยอะ", "security"),
        ("มีระเบิดข้างทาง ปิดถนน เดินทางไปหมู่บ้านไม่ได้", "security"),
        ("ประกาศเคอร์ฟิวสามวัน งดกิจกรรมทั้งหมด", "security"),
        ("ทหารปิดล้อมตรวจค้นหมู่บ้าน ชาวบ้านไม่มาร่วมเวที", "security"),
        ("แกนนำโดนขู่ฆ่า ไม่กล้าเข้าร่วมโครงการ", "security"),
    ],
)
def test_security_wins_over_its_consequences(text: str, expected: str) -> None:
    assert suggest_category(text)[0] == expected


def test_naive_bayes_probabilities() -> None:
    nb = NaiveBayes(("a", "b"), [("a", ["ถนน", "ถนน", "สะพาน"]), ("b", ["ยาบ้า"])])
    p = nb.probabilities(["ถนน"])
    assert p[0] > p[1] and sum(p) == pytest.approx(1.0)
    assert nb.probabilities(["ไม่เคยเห็น"]) == (0.5, 0.5)  # no known word: no opinion
    assert nb.probabilities([]) == (0.5, 0.5)


def test_model_features_are_folded_content_words() -> None:
    words = features(tokenize("ถนนขาด 30 คน ครับ!! ศอ.บต."))
    assert "ถนน" in words and "30" not in words and "ครับ" not in words and "!!" not in words
    assert len(model().classes) == len(CATEGORIES)
