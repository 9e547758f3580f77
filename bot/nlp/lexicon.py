"""Weighted term lexicons matched against a tokenised message, tolerant of misspellings.

A term matches in three ways, strongest first:
1. exactly, on the message with spaces removed, where the match lines up with token
   boundaries (short terms must be whole tokens, so "ยิง" does not fire inside "ยิ่ง");
2. after folding both sides: tone marks, ็ and ์ dropped, homophone consonants merged
   (งบประมาน ~ งบประมาณ, อุปสรรค์ ~ อุปสรรค), for terms of five folded letters or more;
3. within one edit (Levenshtein, plus a swap of neighbours) of a run of one to three
   tokens that contains an unknown word, which is what a misspelling turns into
   (ประชา|ลัง|คม ~ ประชาสังคม).

Finding the terms is one pass of an Aho-Corasick automaton over the folded text (every
exact or folded match is also a match of the folded term in the folded text), so the
cost grows with the message, not with the lexicon; only the few terms found are then
checked against the token boundaries.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

import ahocorasick

from .dictionary import data_lines, is_known
from .view import TextView, fold

__all__ = ["Hit", "Matcher", "load_entries", "load_matcher"]

_EXACT_FACTOR, _FOLDED_FACTOR, _FUZZY_FACTOR = 1.0, 0.85, 0.7
_MIN_FOLDED = 5  # shorter folded terms collide with real words (ค่ายา ~ ค้ายา)
_MAX_NGRAM = 3
_NOMINALISERS = frozenset({"ความ", "การ"})


def _find(
    text: str, term: str, bounds: Sequence[int], edges: frozenset[int], view: TextView, folded: bool
) -> int:
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


class _Term(NamedTuple):
    label: str
    weight: float
    text: str
    folded: str
    long: bool  # long enough to match folded and fuzzily
    key: tuple[str, str]  # a term counts once per label


class Hit(NamedTuple):
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
        self._terms = []
        for label, weight, raw in entries:
            text, folded = raw.lower(), fold(raw)
            long = len(folded) >= _MIN_FOLDED
            self._terms.append(_Term(label, weight, text, folded, long, (text, label)))
        self._index: defaultdict[str, list[_Term]] = defaultdict(list)
        for term in self._terms:
            f = term.folded
            if term.long:
                for key in {f, *(f[:k] + f[k + 1 :] for k in range(len(f)))}:
                    self._index[key].append(term)
        self._max_len = max((len(t.folded) for t in self._terms), default=0) + 1
        by_folded: defaultdict[str, list[int]] = defaultdict(list)
        for k, term in enumerate(self._terms):
            by_folded[term.folded].append(k)
        self._always = tuple(by_folded.pop("", ()))  # nothing to search for; check each time
        self._automaton = ahocorasick.Automaton()
        for folded, indexes in by_folded.items():
            self._automaton.add_word(folded, tuple(indexes))
        if by_folded:
            self._automaton.make_automaton()

    def _candidates(self, view: TextView) -> list[_Term]:
        # An exact match is also a folded one (folding maps characters one by one), so the
        # terms whose folded form occurs in the folded text are all that can match.
        found = set(self._always)
        if len(self._automaton):
            for _, indexes in self._automaton.iter(view.folded):
                found.update(indexes)
        # In lexicon order: which hit is kept, and the order scores are summed in,
        # depend on the order the hits are collected in.
        terms = self._terms
        return [terms[k] for k in sorted(found)]

    def hits(self, view: TextView) -> list[Hit]:
        """Return the matched terms; a term hidden inside a longer one of its label is dropped."""
        found: dict[tuple[str, str], Hit] = {}
        compact, bounds, edges = view.compact, view.bounds, view.edges
        for term in self._candidates(view):
            j = _find(compact, term.text, bounds, edges, view, False)
            if j >= 0:
                found[term.key] = Hit(
                    j, j + len(term.text), term.label, term.text, term.weight, _EXACT_FACTOR
                )
            elif term.long:
                i = _find(view.folded, term.folded, view.fbounds, view.fedges, view, True)
                if i >= 0:
                    s, e = view.to_compact(i), view.to_compact(i + len(term.folded))
                    found[term.key] = Hit(s, e, term.label, term.text, term.weight, _FOLDED_FACTOR)
        for hit in self._fuzzy(view):
            found.setdefault((hit.term, hit.label), hit)
        return _drop_contained(list(found.values()))

    def _fuzzy(self, view: TextView) -> Iterable[Hit]:
        index = self._index
        for i, j, cand in _fuzzy_candidates(view):
            if len(cand) > self._max_len:
                continue
            keys = _deletions(view, cand)
            if index.keys().isdisjoint(keys):
                continue  # the usual case, decided in C
            seen: set[int] = set()
            for key in keys:
                for term in index.get(key, ()):
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


_Gram = tuple[int, int, str]


def _fuzzy_candidates(view: TextView) -> list[_Gram]:
    """Runs of tokens that may be a misspelt term (worked out once per view)."""
    grams = view.memo.get("fuzzy")
    if grams is None:
        view.memo["fuzzy"] = grams = _grams(view)
    return grams  # type: ignore[return-value]


def _grams(view: TextView) -> list[_Gram]:
    suspect = view.suspect
    marked = [k for k, s in enumerate(suspect) if s]
    if not marked:
        return []
    known, thai, toks, n = view.known, view.thai, view.ftokens, len(suspect)
    spans: set[tuple[int, int]] = set()
    # Only runs that contain a suspect token qualify: the runs around each one.
    for s in marked:
        for i in range(max(0, s - _MAX_NGRAM + 1), s + 1):
            for j in range(s + 1, min(i + _MAX_NGRAM, n) + 1):
                spans.add((i, j))
    out: list[_Gram] = []
    for i, j in sorted(spans):  # in text order, as the hits they become are kept
        # One token: only an unknown one; a dictionary word is its own word
        # (สะพาย is not a misspelt สะพาน).  Latin, digits and punctuation are never part of
        # a misspelt Thai term.
        if (j - i == 1 and known[i]) or not all(thai[i:j]):
            continue
        cand = "".join(toks[i:j])
        if len(cand) >= _MIN_FOLDED:
            out.append((i, j, cand))
    return out


def _deletions(view: TextView, cand: str) -> set[str]:
    """``cand`` and every string one deletion away from it (per view)."""
    memo: dict[str, set[str]] = view.memo.setdefault("deletions", {})  # type: ignore[assignment]
    keys = memo.get(cand)
    if keys is None:
        memo[cand] = keys = {cand, *(cand[:k] + cand[k + 1 :] for k in range(len(cand)))}
    return keys


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    # "ไม่สามารถ" must count once, not also as "ไม่"; only within one label, so that
    # "แก้ปัญหา" (progress) does not silence "ปัญหา" (obstacle).  Longest first.
    hits.sort(key=lambda h: (h.start - h.end, h.start))
    kept: list[Hit] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for hit in hits:
        start, end = hit.start, hit.end
        same = spans.get(hit.label)
        if same is None:
            spans[hit.label] = [(start, end)]
        elif any(s <= start and end <= e and e - s > end - start for s, e in same):
            continue
        else:
            same.append((start, end))
        kept.append(hit)
    return kept


def load_entries(name: str) -> list[tuple[str, float, str]]:
    """Read a data file of ``<label> <weight> <term>`` lines."""
    entries = []
    for line in data_lines(name):
        label, weight, term = line.split(maxsplit=2)
        entries.append((label, float(weight), term))
    return entries


def load_matcher(name: str) -> Matcher:
    """Build a Matcher from a data file of ``<label> <weight> <term>`` lines."""
    return Matcher(load_entries(name))
