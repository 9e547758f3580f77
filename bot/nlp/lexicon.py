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
from collections.abc import Iterable
from dataclasses import dataclass

from .dictionary import data_lines, is_known
from .view import TextView, fold

__all__ = ["Hit", "Matcher", "load_matcher"]

_EXACT_FACTOR, _FOLDED_FACTOR, _FUZZY_FACTOR = 1.0, 0.85, 0.7
_MIN_FOLDED = 5  # shorter folded terms collide with real words (ค่ายา ~ ค้ายา)
_MAX_NGRAM = 3
_NOMINALISERS = frozenset({"ความ", "การ"})


def _find(text: str, term: str, view: TextView, folded: bool) -> int:
    bounds, edges = (view.fbounds, view.fedges) if folded else (view.bounds, view.edges)
    n = len(term)
    i = text.find(term)
    while i >= 0:
        j = i + n
        start_ok, end_ok = i in edges, j in edges
        if start_ok and end_ok:
            return i
        k = bisect_right(bounds, i) - 1
        if j > bounds[k + 1]:
            # Across tokens: a long term may be split differently (ราคา|ยางพารา ~ ราคายาง);
            # a short one must be whole tokens, so that "ยิง" does not fire inside "ยิ่ง".
            if (n >= 6 and (start_ok or end_ok)) or n >= 9:
                return i
        elif not view.known[k]:
            if n >= 6:  # inside a run the dictionary did not know, e.g. a misspelling
                return i
        elif _in_compound(text, i, j, bounds[k], bounds[k + 1], start_ok and not folded):
            return i
        i = text.find(term, i + 1)
    return -1


def _in_compound(text: str, i: int, j: int, start: int, end: int, head: bool) -> bool:
    # The head of a compound word: ถนน|ลูกรัง, เงิน|เดือน.  Thai compounds are head-first,
    # so a term at the end is usually another word (ผู้|ประสานงาน is a person), except
    # after the nominalisers ความ/การ (ความ|ขัดแย้ง).  The head check needs unfolded text.
    if head and i == start:
        return is_known(text[j:end])
    return j == end and text[start:i] in _NOMINALISERS


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
        compact, folded = view.compact, view.folded
        for term in self._terms:
            # Exact implies folded (folding maps characters one by one), so one cheap
            # containment test rules out most terms.
            long_term = len(term.folded) >= _MIN_FOLDED
            if term.folded not in folded if long_term else term.text not in compact:
                continue
            hit = None
            j = _find(compact, term.text, view, folded=False)
            if j >= 0:
                hit = Hit(j, j + len(term.text), term.label, term.text, term.weight, _EXACT_FACTOR)
            elif long_term:
                i = _find(folded, term.folded, view, folded=True)
                if i >= 0:
                    s, e = view.to_compact(i), view.to_compact(i + len(term.folded))
                    hit = Hit(s, e, term.label, term.text, term.weight, _FOLDED_FACTOR)
            if hit is not None:
                found[term.text + "\0" + term.label] = hit
        for hit in self._fuzzy(view):
            found.setdefault(hit.term + "\0" + hit.label, hit)
        return _drop_contained(list(found.values()))

    def _fuzzy(self, view: TextView) -> Iterable[Hit]:
        toks, n = view.ftokens, len(view.ftokens)
        for i in range(n):
            for j in range(i + 1, min(i + _MAX_NGRAM, n) + 1):
                # One token: only an unknown one; a dictionary word is its own word
                # (สะพาย is not a misspelt สะพาน).  Several: one must look like a fragment.
                if (j - i == 1 and view.known[i]) or not any(view.suspect[i:j]):
                    continue
                if not all(view.thai[i:j]):
                    break  # a longer run would contain the same Latin or digit token
                cand = "".join(toks[i:j])
                if len(cand) < _MIN_FOLDED or len(cand) > self._max_len:
                    continue
                seen: set[int] = set()
                for key in {cand, *(cand[:k] + cand[k + 1 :] for k in range(len(cand)))}:
                    for term in self._index.get(key, ()):
                        if id(term) not in seen and _within_one(cand, term.folded):
                            seen.add(id(term))
                            yield Hit(
                                view.bounds[i],
                                view.bounds[j],
                                term.label,
                                term.text,
                                term.weight,
                                _FUZZY_FACTOR,
                            )

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
            k.label == hit.label
            and k.start <= hit.start
            and hit.end <= k.end
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
