"""Shortening text for people: Thai is cut between words, never inside a grapheme."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

ELLIPSIS = "…"
# Thai vowels written before their consonant: a cut right after one leaves it dangling.
LEADING_VOWELS = frozenset("เแโใไ")
# Vowels that close a syllable: a cut just before one leaves the syllable half-written.
FOLLOWING_VOWELS = frozenset("ะาำๅ")

Measure = Callable[[str], int]


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, as LINE counts it (an emoji outside the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


def safe_cut(text: str, i: int) -> bool:
    """True when text[:i] / text[i:] splits no grapheme and strands no Thai vowel or tone mark."""
    if i <= 0 or i >= len(text):
        return True
    nxt, prev = text[i], text[i - 1]
    if unicodedata.category(nxt) in ("Mn", "Mc", "Me") or nxt in FOLLOWING_VOWELS:
        return False
    if nxt == "\u200d" or prev == "\u200d":  # a joined emoji sequence
        return False
    return prev not in LEADING_VOWELS


def _word_ends(text: str) -> list[int]:
    """Offsets where a word ends (spaces and Thai word boundaries)."""
    from bot.nlp.tokenizer import segment_raw

    ends, pos = [], 0
    for piece in segment_raw(text):
        pos += len(piece)
        ends.append(pos)
    return ends


def shorten(text: str, limit: int, measure: Measure = len, ellipsis: str = ELLIPSIS) -> str:
    """`text` if it fits `limit`, else its longest word-bounded prefix that fits, plus '…'."""
    if measure(text) <= limit:
        return text
    budget = limit - measure(ellipsis)
    fit = 0
    while fit < len(text) and measure(text[: fit + 1]) <= budget:
        fit += 1
    words = [e for e in _word_ends(text[: fit + 40]) if e <= fit and safe_cut(text, e)]
    if words and words[-1] >= fit // 2:  # a word boundary that keeps at least half
        cut = words[-1]
    else:
        cut = fit
        while cut > 0 and not safe_cut(text, cut):
            cut -= 1
    return text[:cut].rstrip() + ellipsis
