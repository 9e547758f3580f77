"""Tests for bot.nlp: normalising, tokenising, keywords, head counts and report triage.

Run with PYTHAINLP_OFFLINE=1 so that nothing quietly depends on a downloaded corpus.
"""

from __future__ import annotations

import csv
import io
import json
import random
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from bot.nlp import (
    CATEGORIES,
    Analysis,
    analyze,
    analyze_stream,
    dictionary,
    engine_name,
    keywords,
    normalize,
    participants,
    tokenize,
    tokenizer,
)
from bot.nlp.normalization import normalize_full

ROOT = Path(__file__).resolve().parents[1]
LABELLED = ROOT / "bot" / "data" / "nlp_category_examples.tsv"


def _labelled() -> list[tuple[str, str, str]]:
    with LABELLED.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(r["category"], r["kind"], r["text"]) for r in reader]


# --- normalize ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("สวัสดี\u200bครับ", "สวัสดีครับ"),  # zero-width space
        ("ศอ.\u200cบต.\u200d\ufeff\u2060", "ศอ.บต."),  # the other zero-width characters
        ("ผู้เข้าร่วม ๓๐ คน", "ผู้เข้าร่วม 30 คน"),  # Thai digits
        ("๒๑ พ.ย. ๒๕๖๙", "21 พ.ย. 2569"),
        ("ก่ี", "กี่"),  # tone mark typed before the vowel
        ("กำ้", "ก้ำ"),  # tone mark typed after sara am
        ("นํ้าท่วม", "น้ำท่วม"),  # nikhahit + sara aa, as some keyboards and PDFs give it
        ("เเปลก", "แปลก"),  # two sara e for sara ae
        ("ดีีี", "ดี"),  # repeated vowel
        ("ที่่", "ที่"),  # repeated tone mark
        ("อุปสรรค์์", "อุปสรรค์"),
        ("  ประชุม    เสร็จ  ", "ประชุม เสร็จ"),  # whitespace runs, ends
        ("บรรทัดแรก \r\n\r\n\t บรรทัดสอง", "บรรทัดแรก\nบรรทัดสอง"),  # newlines kept, once
        ("งาน\x07เสร็จ\x00", "งานเสร็จ"),  # control characters
        ("Cafe\u0301 ok", "Café ok"),  # NFC
        ("", ""),
        ("plain ascii", "plain ascii"),
    ],
)
def test_normalize(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_result_is_nfc_and_idempotent() -> None:
    for _, _, text in _labelled():
        once = normalize(text)
        assert unicodedata.is_normalized("NFC", once)
        assert normalize(once) == once


@pytest.mark.parametrize(
    "typo",
    ["เเละ", "ก่ี", "กำ้", "นํ้า", "ดีีีี", "ที่่", "พ ุ่มไม้", "ค่ะะ", "เด็็ก", "๊ก", "คำ ่ที่สอง"],
)
def test_normalize_matches_pythainlp_on_typing_mistakes(typo: str) -> None:
    from pythainlp.util import normalize as pythainlp_normalize

    assert normalize(typo) == pythainlp_normalize(typo).strip()


def test_fast_screen_agrees_with_full_normalisation() -> None:
    # normalize() skips the work when a cheap screen finds nothing to fix; the screen
    # must never miss something normalize_full() would change.
    alphabet = [*"กขนมยรสอะาำเแโใไัิีุู็่้๊๋์ํๅฺ๎ฤ๐๙ ", "  ", "\n", "\t", "\u200b", "\xa0", "?", "😀", "a"]
    rnd = random.Random(20261122)
    for _ in range(20_000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(1, 10)))
        assert normalize(text) == normalize_full(text), repr(text)


def test_screen_passes_over_two_different_follow_vowels_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # เพราะ has า then ะ: nothing to fix, and common, so it must not cost the full path;
    # the same vowel twice is a doubled vowel and is fixed.
    from bot.nlp import normalization

    calls: list[str] = []

    def full(text: str) -> str:
        calls.append(text)
        return normalize_full(text)

    monkeypatch.setattr(normalization, "normalize_full", full)
    assert normalize("ไปไม่ได้เพราะฝนตก") == "ไปไม่ได้เพราะฝนตก"
    assert calls == []
    assert normalize("เพราะะ นาาา") == normalize_full("เพราะะ นาาา") == "เพราะ นา"
    assert len(calls) == 1


# --- tokenize ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("ผู้ประสานงานจาก ศอ.บต. ลงพื้นที่", "ศอ.บต."),
        ("ศอ.บต.ยังไม่ตอบหนังสือ", "ศอ.บต."),
        ("รายงานเรื่องพื้นที่สันติสุขขนาดเล็กบ้านโคก", "พื้นที่สันติสุขขนาดเล็ก"),
        ("จัดเวทีที่สายบุรีเรียบร้อย", "สายบุรี"),
        ("ประชุมร่วมกับภาคประชาสังคมในพื้นที่", "ภาคประชาสังคม"),
        ("องค์กรภาคประชาสังคมมาร่วม", "องค์กรภาคประชาสังคม"),
        ("สถานการณ์ในจชต.ดีขึ้น", "จชต."),
        ("นายกอบต.มาเปิดงาน", "อบต."),
        ("ชรบ.และอส.ร่วมกันดูแล", "อส."),
        ("จัดเวทีรับฟังปัญหาครั้งที่สอง", "เวทีรับฟังปัญหา"),
        ("เดินทางไปสุไหงโก-ลกวันนี้", "สุไหงโก-ลก"),
        ("ประชุมวันที่ 3 ต.ค. 69", "ต.ค."),
    ],
)
def test_domain_terms_stay_whole(text: str, term: str) -> None:
    assert term in tokenize(text)


def test_every_district_and_province_stays_whole() -> None:
    with (ROOT / "bot" / "data" / "districts.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    names = {r["district_th"] for r in rows} | {r["province_th"] for r in rows}
    assert len({r["district_th"] for r in rows}) == 37
    for name in sorted(names):
        for template in ("ลงพื้นที่ {} เมื่อวาน", "จัดเวทีที่อ.{}เรียบร้อย", "ชาวบ้าน{}เดือดร้อน"):
            assert name in tokenize(template.format(name)), name


def test_tokenize_normalises_and_drops_whitespace() -> None:
    tokens = tokenize("  ชาวบ้าน\u200b ๓๐ คน\n\nเข้าร่วม  ")
    assert tokens == ["ชาวบ้าน", "30", "คน", "เข้าร่วม"]
    assert tokenize("") == []
    assert tokenize(" \n\t ") == []


def test_tokenize_keeps_latin_digits_and_amounts() -> None:
    assert tokenize("งบ 5,000 บาท ส่งทาง LINE แล้ว") == [
        "งบ",
        "5,000",
        "บาท",
        "ส่ง",
        "ทาง",
        "LINE",
        "แล้ว",
    ]


def _newmm_sentences() -> list[str]:
    extra = [
        "ผู้ประสานงานจาก ศอ.บต. ลงพื้นที่สายบุรี วันที่ 21 พ.ย. 2569 มีผู้เข้าร่วม 30 คน",
        "ประชุมกับอบต.และภาคประชาสังคม เรื่องพื้นที่สันติสุขขนาดเล็ก ที่สุไหงโก-ลก",
        "ชรบ.และอส.ร่วมกันลาดตระเวน 4×100 ระบาดหนักในจชต.",
        "งบ 1,200.50 บาท (หนึ่งพันสองร้อย) ส่ง LINE แล้วค่ะ 😀",
    ]
    # The labelled messages without "/": newmm glues a slash to the digits after it
    # ("3", "/2569") where nlpo3 splits it off ("3", "/", "2569"); Thai text agrees.
    return extra + [text for _, _, text in _labelled() if "/" not in text]


def test_nlpo3_segments_like_newmm_with_the_same_dictionary() -> None:
    if engine_name() != "nlpo3":
        pytest.skip("nlpo3 is not installed")
    newmm = tokenizer._load_newmm()
    for text in _newmm_sentences():
        expected = [t for t in newmm(normalize(text)) if not t.isspace()]
        assert tokenize(text) == expected, text


def test_newmm_fallback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tokenizer, "_segment", None)
    monkeypatch.setattr(tokenizer, "_engine", "")
    monkeypatch.setenv("PRASAN_TOKENIZER", "newmm")
    assert engine_name() == "newmm"
    assert tokenize("ผู้ประสานงานจาก ศอ.บต. ลงพื้นที่สายบุรี") == [
        "ผู้ประสานงาน",
        "จาก",
        "ศอ.บต.",
        "ลงพื้นที่",
        "สายบุรี",
    ]


def test_dictionary_cache_falls_back_when_a_directory_is_unusable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    monkeypatch.setenv("PRASAN_CACHE_DIR", str(blocker / "cache"))  # mkdir fails under a file
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    path = dictionary.dictionary_file()
    assert path.parent == tmp_path / "xdg" / "prasan"
    words = path.read_text(encoding="utf-8").splitlines()
    assert "ศอ.บต." in words and "สายบุรี" in words and "ประชุม" in words
    assert dictionary.dictionary_file() == path  # reused, content-addressed


def test_importing_bot_nlp_loads_nothing_heavy() -> None:
    code = "import sys, bot.nlp; print('pythainlp' in sys.modules, 'nlpo3' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["False", "False"]


# --- keywords ----------------------------------------------------------------------


def test_keywords_drop_stopwords_punctuation_digits_and_rank_by_frequency() -> None:
    tokens = tokenize("ถนนขาด ถนนพัง!! ชาวบ้านเดือดร้อน 30 คน ครับ 😭 ชาวบ้าน ถนน")
    assert keywords(tokens) == ["ถนน", "ชาวบ้าน", "พัง", "เดือดร้อน"]  # ขาด: a stopword
    assert keywords(tokens, limit=2) == ["ถนน", "ชาวบ้าน"]
    assert keywords([]) == []


def test_keywords_report_variant_spellings_under_one_form() -> None:
    assert keywords(tokenize("ศอบต ยังไม่ตอบ ศอ.บต. นัดใหม่"))[0] == "ศอ.บต."


# --- participants ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("จัดเวทีมีผู้เข้าร่วม 30 คน", 30),
        ("ผู้เข้าร่วม ๓๐ คน", 30),
        ("ผู้เข้าร่วม 25 ราย", 25),
        ("ประมาณ 40 คน", 40),
        ("มีชาวบ้านมา 15 คน", 15),
        ("ผู้ใหญ่ 12 ท่าน", 12),
        ("ชาวบ้าน 30คน", 30),
        ("คนมา 50 กว่าคน", 50),
        ("1,200 คน", 1200),
        ("ชาย 20 คน หญิง 15 คน รวม 35 คน", 35),
        ("เยาวชน 20 คน ผู้ใหญ่ 8 คน", 28),  # named groups with no stated total add up
        ("ชาย 10 คน หญิง 15 คน", 25),
        ("มีผู้เข้าร่วม 40 คน เป็นชาย 10 คน หญิง 30 คน", 40),
        ("สามสิบคน", 30),
        ("ยี่สิบห้าท่าน", 25),
        ("หนึ่งร้อยยี่สิบคน", 120),
        ("หลายสิบคน", None),
        ("ผู้เข้าร่วม: 25", 25),
        ("แจกถุงยังชีพ 50 ครัวเรือน", 50),
        ("จัดเวทีวันที่ 21 พ.ย. 2569 ใช้งบ 5,000 บาท มีผู้เข้าร่วม ๔๒ คน", 42),
        ("ชาวบ้านมาแค่ 8 คน จากที่เชิญไว้ 40 คน", 8),
        ("เหตุยิงบาดเจ็บ 2 ราย ผู้เข้าร่วม 18 คน", 18),
        ("Village meeting with 10 people", 10),  # English and Malay units too
        ("mesyuarat kampung 30 orang", 30),
    ],
)
def test_participants(text: str, expected: int) -> None:
    assert participants(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "วันที่ 21 พ.ย. 2569",
        "ใช้งบ 5,000 บาท",
        "ปี 2569 งวดที่ 2",
        "ส่ง 2 รายงาน และรายได้ 3000 บาท",
        "เหตุยิงบาดเจ็บ 2 ราย",
        "คนร้าย 3 คน",
        "ไม่มีตัวเลข",
        "มีผู้เข้าร่วม 0 คน",
        "",
    ],
)
def test_participants_none(text: str) -> None:
    assert participants(text) is None


# --- analyze -----------------------------------------------------------------------


def test_analyze_does_it_all() -> None:
    result = analyze("จัดเวทีที่ สายบุรี เรียบร้อยแล้ว ผู้เข้าร่วม ๓๐ คน แต่งบประมาณยังไม่เบิกจ่าย")
    assert isinstance(result, Analysis)
    assert result.normalized.endswith("ผู้เข้าร่วม 30 คน แต่งบประมาณยังไม่เบิกจ่าย")
    assert "สายบุรี" in result.tokens and "สายบุรี" in result.keywords
    assert result.participants == 30
    assert result.category == "budget" and result.ranked_categories[0] == "budget"
    assert result.kind in ("progress", "obstacle")
    with pytest.raises(AttributeError):
        result.category = "other"  # type: ignore[misc]


def test_analyze_stream_writes_one_json_object_per_message() -> None:
    lines = ["ถนนขาด รถเข้าไม่ได้\n", "\n", "   \n", "อบรมเสร็จแล้ว ผู้เข้าร่วม ๒๕ คน\n"]
    out = io.StringIO()
    assert analyze_stream(lines, out) == 2
    written = out.getvalue().splitlines()
    assert len(written) == 2
    assert "ถนน" in written[0]  # ensure_ascii=False
    records = [json.loads(line) for line in written]
    for record in records:
        assert set(record) == {
            "tokens",
            "keywords",
            "kind",
            "category",
            "confidence",
            "participants",
        }
        assert record["kind"] in ("progress", "obstacle")
        assert record["category"] in CATEGORIES
        assert 0.0 <= record["confidence"] <= 1.0
        assert round(record["confidence"], 3) == record["confidence"]
    assert records[0]["category"] == "infrastructure" and records[0]["participants"] is None
    assert records[1]["kind"] == "progress" and records[1]["participants"] == 25


def test_analysis_reads_each_field_when_first_asked_with_the_same_result() -> None:
    text = "จัดเวทีเรียบร้อย ผู้เข้าร่วม ๓๐ คน แต่งบประมาณยังไม่เบิกจ่าย 😔"
    lazy = analyze(text)
    assert lazy._keywords is None and lazy._count is None  # the reply path reads neither
    assert lazy.category == "budget"
    assert lazy._keywords is None and lazy._count is None and lazy._kind is None
    full = analyze(text).complete()
    assert full.to_json_dict() == lazy.to_json_dict()
    assert (full.kind, full.kind_confidence, full.ranked_categories) == (
        lazy.kind,
        lazy.kind_confidence,
        lazy.ranked_categories,
    )
    assert full._view is None  # dropped once both readings are made


def test_search_terms_from_the_analysis_tokens_equal_a_fresh_segmentation() -> None:
    from bot.nlp.terms import search_terms

    for text in ["ถนนขาด รถเข้าไม่ได้ งบประมานยังไม่มา", "ศอบต ยังไม่ตอบ ๓๐ คน", ""]:
        a = analyze(text)
        assert search_terms(a.normalized, a.tokens) == search_terms(a.normalized)


def test_undecodable_input_is_read_not_a_crash() -> None:
    # A lone surrogate (an undecodable byte read with surrogateescape, a bad JSON escape)
    # cannot go to the segmenter as UTF-8: it is read as "?" instead of failing.
    a = analyze("ประชุมชาวบ้าน \ud800 ๓๐ คน")
    assert a.participants == 30 and "ประชุม" in a.tokens and "\ud800" not in a.normalized
    out = io.StringIO()
    assert analyze_stream(["ถนนขาด\udcff น้ำท่วม"], out) == 1
    assert json.loads(out.getvalue())["category"]
