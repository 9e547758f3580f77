"""Weighted term lexicons matched against a tokenised message, tolerant of misspellings.

A term matches in three ways, strongest first:
1. exactly, on the message with spaces removed, where the match lines up with token
   boundaries (short terms must be whole tokens, so "ยิง" does not fire inside "ยิ่ง");
2. after folding both sides: tone marks, ็ and ์ dropped, homophone consonants merged
   (งบประมาน ~ งบประมาณ, อุปสรรค์ ~ อุปสรรค), for terms of five folded letters or more;
3. within one edit (Levenshtein, plus a swap of neighbours) of a run of one to three
   tokens that contains an unknown word, which is what a misspelling turns into
   (ประชา|ลัง|คม ~ ประชาสังคม).
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from .dictionary import data_lines, is_known

__all__ = ["Matcher", "TextView", "fold", "load_matcher"]

_FOLD = str.maketrans(
    {
        **dict.fromkeys("\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e47"),  # tone marks, ์, ็
        **{c: "ส" for c in "ศษ"},
        **{c: "ท" for c in "ฐฑฒธ"},
        "ณ": "น",
        "ญ": "ย",
        "ฎ": "ด",
        "ฏ": "ต",
        "ภ": "พ",
        "ฆ": "ค",
        "ฌ": "ช",
        "ฬ": "ล",
    }
)
_EXACT_FACTOR, _FOLDED_FACTOR, _FUZZY_FACTOR = 1.0, 0.85, 0.7
_MIN_FOLDED = 5  # shorter folded terms collide with real words (ค่ายา ~ ค้ายา)
_MAX_NGRAM = 3


def fold(text: str) -> str:
    """Return a spelling-tolerant key: lower case, no tone marks, homophones merged."""
    return text.lower().translate(_FOLD)


def _aligned(n: int, start_ok: bool, end_ok: bool) -> bool:
    # Long terms may straddle a token boundary (ราคายาง|พารา); short ones must not.
    return (start_ok and end_ok) or (n >= 6 and (start_ok or end_ok)) or n >= 9


def _find(text: str, term: str, bounds: frozenset[int]) -> int:
    n = len(term)
    i = text.find(term)
    while i >= 0:
        if _aligned(n, i in bounds, i + n in bounds):
            return i
        i = text.find(term, i + 1)
    return -1


def _within_one(a: str, b: str) -> bool:
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    i, m = 0, min(la, lb)
    while i < m and a[i] == b[i]:
        i += 1
    if la > lb:
        return a[i + 1 :] == b[i:]
    if la < lb:
        return a[i:] == b[i + 1 :]
    if a[i + 1 :] == b[i + 1 :]:
        return True
    return i + 1 < la and a[i] == b[i + 1] and a[i + 1] == b[i] and a[i + 2 :] == b[i + 2 :]


class TextView:
    """A message prepared once for matching: compact and folded text with token offsets."""

    __slots__ = ("bounds", "compact", "fbounds", "folded", "ftokens", "unknown")

    def __init__(self, tokens: Sequence[str]) -> None:
        lowered = [t.lower() for t in tokens]
        self.ftokens = [t.translate(_FOLD) for t in lowered]
        self.compact = "".join(lowered)
        self.folded = "".join(self.ftokens)
        self.bounds = _offsets(lowered)
        self.fbounds = _offsets(self.ftokens)
        self.unknown = [not t.isascii() and not is_known(t) for t in tokens]

    def to_compact(self, folded_pos: int) -> int:
        """Map an offset in the folded text to the nearby offset in the compact text."""
        k = bisect_right(self.fbounds, folded_pos) - 1
        k = min(max(k, 0), len(self.bounds) - 1)
        start = self.bounds[k]
        end = self.bounds[k + 1] if k + 1 < len(self.bounds) else start
        return min(start + folded_pos - self.fbounds[k], end)


def _offsets(tokens: Sequence[str]) -> list[int]:
    out, pos = [0], 0
    for tok in tokens:
        pos += len(tok)
        out.append(pos)
    return out


@dataclass(frozen=True, slots=True)
class _Term:
    label: str
    weight: float
    text: str
    folded: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One matched term: where it matched in the compact text and how sure the match is."""

    start: int
    end: int
    label: str
    term: str
    weight: float
    factor: float


class Matcher:
    """Scores a message against a weighted lexicon of ``(label, weight, term)`` entries."""

    def __init__(self, entries: Iterable[tuple[str, float, str]]) -> None:
        self._terms = [_Term(lab, w, t.lower(), fold(t)) for lab, w, t in entries]
        self._index: defaultdict[str, list[_Term]] = defaultdict(list)
        for term in self._terms:
            f = term.folded
            if len(f) >= _MIN_FOLDED:
                for key in {f, *(f[:k] + f[k + 1 :] for k in range(len(f)))}:
                    self._index[key].append(term)
        self._max_len = max((len(t.folded) for t in self._terms), default=0) + 1

    def hits(self, view: TextView) -> list[Hit]:
        """Return the matched terms; a term hidden inside a longer one of its label is dropped."""
        found: dict[str, Hit] = {}
        bounds, fbounds = frozenset(view.bounds), frozenset(view.fbounds)
        for term in self._terms:
            hit = None
            if len(term.folded) >= _MIN_FOLDED:
                i = _find(view.folded, term.folded, fbounds)
                if i >= 0:
                    j = _find(view.compact, term.text, bounds)
                    if j >= 0:
                        hit = Hit(j, j + len(term.text), term.label, term.text, term.weight, 1.0)
                    else:
                        s, e = view.to_compact(i), view.to_compact(i + len(term.folded))
                        hit = Hit(s, e, term.label, term.text, term.weight, _FOLDED_FACTOR)
            else:
                j = _find(view.compact, term.text, bounds)
                if j >= 0:
                    hit = Hit(j, j + len(term.text), term.label, term.text, term.weight, 1.0)
            if hit is not None:
                found[term.text + "\0" + term.label] = hit
        for hit in self._fuzzy(view):
            found.setdefault(hit.term + "\0" + hit.label, hit)
        return _drop_contained(list(found.values()))

    def _fuzzy(self, view: TextView) -> Iterable[Hit]:
        toks, n = view.ftokens, len(view.ftokens)
        for i in range(n):
            for j in range(i + 1, min(i + _MAX_NGRAM, n) + 1):
                if not any(view.unknown[i:j]):
                    continue
                cand = "".join(toks[i:j])
                if len(cand) < _MIN_FOLDED or len(cand) > self._max_len:
                    continue
                seen: set[int] = set()
                for key in {cand, *(cand[:k] + cand[k + 1 :] for k in range(len(cand)))}:
                    for term in self._index.get(key, ()):
                        if id(term) not in seen and _within_one(cand, term.folded):
                            seen.add(id(term))
                            yield Hit(view.bounds[i], view.bounds[j], term.label, term.text,
                                      term.weight, _FUZZY_FACTOR)

    def scores(self, view: TextView) -> dict[str, float]:
        """Return the summed weight of the matched terms per label."""
        out: dict[str, float] = defaultdict(float)
        for hit in self.hits(view):
            out[hit.label] += hit.weight * hit.factor
        return dict(out)


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    # "ไม่สามารถ" must count once, not also as "ไม่"; only within one label, so that
    # "แก้ปัญหา" (progress) does not silence "ปัญหา" (obstacle).
    hits.sort(key=lambda h: (h.start - h.end, h.start))
    kept: list[Hit] = []
    for hit in hits:
        if not any(
            k.label == hit.label and k.start <= hit.start and hit.end <= k.end
            and (k.end - k.start) > (hit.end - hit.start)
            for k in kept
        ):
            kept.append(hit)
    return kept


def load_matcher(name: str) -> Matcher:
    """Build a Matcher from a data file of ``<label> <weight> <term>`` lines."""
    entries = []
    for line in data_lines(name):
        label, weight, term = line.split(maxsplit=2)
        entries.append((label, float(weight), term))
    return Matcher(entries)
