"""Weighted term lexicons matched against a tokenised message, tolerant of misspellings.

A term matches in three ways, strongest first:
1. exactly, on the message with spaces removed, where the match lines up with token
   boundaries (short terms must be whole tokens, so "ยิง" does not fire inside "ยิ่ง");
2. after folding both sides: tone marks, ็ and ์ dropped, homophone consonants merged
   (งบประมาน ~ งบประมาณ, อุปสรรค์ ~ อุปสรรค), for terms of five folded letters or more;
3. within one edit (Levenshtein, plus a swap of neighbours) of a run of one to three
   tokens that contains an unknown word, which is what a misspelling turns into
   (ประชา|ลัง|คม ~ ประชาสังคม).

How the terms are found costs little per message: one pass of an Aho-Corasick automaton
over the compact text (exact) and one over the folded text (long terms), in C.  Whether a
match inside one token counts depends on that token alone, so each distinct token is
scanned once (a chat's vocabulary is small) and the (offset, length) of the matches that
count in it are kept: a match inside a token costs one set lookup, one of a term already
found one set test.  The terms within one edit of a run of tokens are kept per run's text.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterable
from itertools import compress, count
from operator import itemgetter
from typing import NamedTuple

import ahocorasick

from .dictionary import data_lines, is_known
from .view import TextView, TokenInfo, fold

__all__ = ["Hit", "Matcher", "load_entries", "load_matcher"]

_EXACT_FACTOR, _FOLDED_FACTOR, _FUZZY_FACTOR = 1.0, 0.85, 0.7
_MIN_FOLDED = 5  # shorter folded terms collide with real words (ค่ายา ~ ค้ายา)
_MAX_NGRAM = 3
_NOMINALISERS = frozenset({"ความ", "การ"})


def _valid_within(text: str, i: int, j: int, n: int, known: bool, head: bool) -> bool:
    """Whether the match text[i:j] of an n-letter term inside the token ``text`` counts."""
    end = len(text)
    if i == 0 and j == end:
        return True
    if not known:
        return n >= 6  # inside a run the dictionary did not know, e.g. a misspelling
    return _in_compound(text, i, j, 0, end, head and i == 0)


def _valid_across(n: int, start_ok: bool, end_ok: bool) -> bool:
    """Whether a match of an n-letter term that runs across a token boundary counts."""
    # Whole tokens always; a long term may also be split differently (ราคา|ยางพารา ~
    # ราคายาง); a short one must be whole tokens, so that "ยิง" does not fire inside "ยิ่ง".
    return (start_ok and end_ok) or (n >= 6 and (start_ok or end_ok)) or n >= 9


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
    place: int  # its place among the terms of every lexicon


class Hit(NamedTuple):
    """One matched term: where it matched in the compact text and how sure the match is."""

    start: int
    end: int
    label: str
    term: str
    weight: float
    factor: float


# The (offset in the token, term length) of the matches inside one token that count.
_Valid = frozenset[tuple[int, int]]
# Per term that matches in a message: where its first counted match starts, exact or folded.
_Matches = tuple[dict[int, int], dict[int, int]]
_CACHE_MAX = 50_000  # distinct tokens (and runs) kept per matcher; cleared when full
_IS_SUSPECT = itemgetter(2)  # of a TokenInfo: could be a piece of a misspelt word
# Hit's own constructor is a Python function; tuple.__new__ makes the same Hit in C.
_new_hit = tuple.__new__


def _automaton(keys: dict[str, list[int]]) -> ahocorasick.Automaton | None:
    # The value of each key: its length (to find where a match starts) and its terms.
    if not keys:
        return None
    automaton = ahocorasick.Automaton()
    for key, indexes in keys.items():
        automaton.add_word(key, (len(key), tuple(indexes)))
    automaton.make_automaton()
    return automaton


class Matcher:
    """Scores a message against weighted lexicons of ``(label, weight, term)`` entries.

    One matcher holds every lexicon the reader uses: finding where terms occur and putting
    the hits together is done once per message for all of them; only dropping the hits
    inside longer ones is left until a lexicon's hits are asked for.
    """

    def __init__(self, *lexicons: Iterable[tuple[str, float, str]]) -> None:
        self._terms: list[_Term] = []
        self._ranges: list[tuple[int, int]] = []  # each lexicon's term indexes
        self._lexicon: list[int] = []  # per term index, its lexicon
        for entries in lexicons:
            first = len(self._terms)
            for label, weight, raw in entries:
                text, folded = raw.lower(), fold(raw)
                long = len(folded) >= _MIN_FOLDED
                term = _Term(label, weight, text, folded, long, (text, label), len(self._terms))
                self._terms.append(term)
                self._lexicon.append(len(self._ranges))
            self._ranges.append((first, len(self._terms)))
        if any(not term.folded for term in self._terms):
            raise ValueError("a lexicon term is empty once folded")
        self._index: defaultdict[str, list[_Term]] = defaultdict(list)
        by_text: defaultdict[str, list[int]] = defaultdict(list)
        by_folded: defaultdict[str, list[int]] = defaultdict(list)
        for term in self._terms:
            by_text[term.text].append(term.place)
            f = term.folded
            if term.long:
                by_folded[f].append(term.place)
                for key in {f, *(f[:k] + f[k + 1 :] for k in range(len(f)))}:
                    self._index[key].append(term)
        self._max_len = max((len(t.folded) for t in self._terms), default=0) + 1
        # Per term index, what a hit of it needs, in one tuple (one unpacking, no lookups).
        self._rows = [
            (self._lexicon[t.place], t.key, len(t.text), len(t.folded), t.label, t.text, t.weight)
            for t in self._terms
        ]
        self._exact, self._folded = _automaton(by_text), _automaton(by_folded)
        # What counts inside each distinct token (by the tokeniser's spelling of it), and
        # the terms within one edit of each misspelling candidate.
        self._in_token: dict[str, tuple[_Valid, _Valid]] = {}
        self._near: dict[str, tuple[_Term, ...]] = {}
        self._memo_key = f"matches:{id(self)}"
        self._hits_keys = [f"hits:{id(self)}:{k}" for k in range(len(self._ranges))]

    def hits(self, view: TextView, lexicon: int = 0) -> list[Hit]:
        """Return one lexicon's matched terms; a term inside a longer one of its label is dropped."""
        memo = view.memo
        found: list[dict[tuple[str, str], Hit]] | None = memo.get(self._memo_key)  # type: ignore[assignment]
        if found is None:
            found = memo[self._memo_key] = self._found(view, *self._matches(view))
        key = self._hits_keys[lexicon]
        hits: list[Hit] | None = memo.get(key)  # type: ignore[assignment]
        if hits is None:
            hits = list(found[lexicon].values())
            if len(hits) > 1:
                hits = _drop_contained(hits)
            memo[key] = hits
        return hits

    def _matches(self, view: TextView) -> _Matches:
        """Per term that matches: where its first counted match starts, exact or folded."""
        exact: dict[int, int] = {}
        done: set[int] = set()  # the terms found so far
        if self._exact is not None:
            self._scan(self._exact, view.compact, view.bounds, view, 0, exact, done)
        # A folded match counts only for a long term that has no exact match.
        folded: dict[int, int] = {}
        if self._folded is not None:
            self._scan(self._folded, view.folded, view.fbounds, view, 1, folded, done)
        return exact, folded

    def _scan(
        self,
        automaton: ahocorasick.Automaton,
        text: str,
        bounds: list[int],
        view: TextView,
        which: int,
        found: dict[int, int],
        done: set[int],
    ) -> None:
        """Add to ``found`` (and ``done``) each term's first match in ``text`` that counts.

        One pass of the automaton in C; terms in ``done`` are passed over.  Whether a match
        inside a token counts is looked up in what was worked out for that token, one set
        lookup.  Matches come by where they end, and those of one term (one length) also
        by where they start: the first that counts is the earliest.
        """
        cache, raw = self._in_token, view.raw
        for end, (n, indexes) in automaton.iter(text):
            # Most folded matches are of terms already matched exactly: one test in C.
            if done.issuperset(indexes):
                continue
            k = bisect_right(bounds, end) - 1  # the token the match ends in
            first, after = bounds[k], end + 1
            start = after - n
            if start >= first:  # inside one token; the whole token always counts
                if start != first or after != bounds[k + 1]:
                    valid = cache.get(raw[k]) or self._scan_token(raw[k], view.infos[k])
                    if (start - first, n) not in valid[which]:
                        continue
            elif not _valid_across(
                n, bounds[bisect_left(bounds, start)] == start, after == bounds[k + 1]
            ):
                continue
            for index in indexes:
                if index not in done:
                    found[index] = start
                    done.add(index)

    def _found(
        self, view: TextView, exact: dict[int, int], folded: dict[int, int]
    ) -> list[dict[tuple[str, str], Hit]]:
        """Each lexicon's hits by term key, before the hits inside longer ones are dropped."""
        # In lexicon order: which hit is kept, and the order scores are summed in,
        # depend on the order the hits are collected in.
        rows = self._rows
        found: list[dict[tuple[str, str], Hit]] = [{} for _ in self._ranges]
        for index in sorted(exact.keys() | folded.keys()) if folded else sorted(exact):
            lexicon, key, n_text, n_folded, label, text, weight = rows[index]
            start = exact.get(index)
            if start is not None:
                values = (start, start + n_text, label, text, weight, _EXACT_FACTOR)
            else:
                i = folded[index]
                start, end = view.to_compact(i), view.to_compact(i + n_folded)
                values = (start, end, label, text, weight, _FOLDED_FACTOR)
            found[lexicon][key] = _new_hit(Hit, values)
        # Most messages have no token that could be a piece of a misspelt word.
        grams = _fuzzy_candidates(view) if any(map(_IS_SUSPECT, view.infos)) else None
        if grams:
            bounds = view.bounds
            for i, j, cand in grams:
                near = self._near.get(cand)
                if near is None:
                    near = self._near_terms(cand)
                for term in near:
                    lexicon, key, _, _, label, text, weight = rows[term.place]
                    if key not in found[lexicon]:
                        values = (bounds[i], bounds[j], label, text, weight, _FUZZY_FACTOR)
                        found[lexicon][key] = _new_hit(Hit, values)
        return found

    def _scan_token(self, token: str, info: TokenInfo) -> tuple[_Valid, _Valid]:
        """Which matches count inside one token (worked out once per distinct token)."""
        lowered, known, folded = info[0], info[1], info[4]
        in_exact = _valid_within_token(self._exact, lowered, known, True)
        # Folding has no compound head check: the head's rest needs the unfolded text.
        in_folded = _valid_within_token(self._folded, folded, known, False)
        if len(self._in_token) >= _CACHE_MAX:
            self._in_token.clear()
        found = self._in_token[token] = (in_exact, in_folded)
        return found

    def _near_terms(self, cand: str) -> tuple[_Term, ...]:
        """The long terms within one edit of ``cand`` (worked out once per distinct run)."""
        near: dict[int, _Term] = {}
        if len(cand) <= self._max_len:
            index = self._index
            for key in (cand, *(cand[:k] + cand[k + 1 :] for k in range(len(cand)))):
                for term in index.get(key, ()):
                    if term.place not in near and _within_one(cand, term.folded):
                        near[term.place] = term
        found = tuple(near[k] for k in sorted(near))
        if len(self._near) >= _CACHE_MAX:
            self._near.clear()
        self._near[cand] = found
        return found

    def scores(self, view: TextView, lexicon: int = 0) -> dict[str, float]:
        """Return the summed weight of one lexicon's matched terms per label."""
        out: dict[str, float] = defaultdict(float)
        for hit in self.hits(view, lexicon):
            out[hit.label] += hit.weight * hit.factor
        return dict(out)


def _valid_within_token(
    automaton: ahocorasick.Automaton | None, text: str, known: bool, head: bool
) -> _Valid:
    """The matches inside the token ``text`` that count, as (offset, length)."""
    if automaton is None:
        return frozenset()
    valid = set()
    for end, (n, _) in automaton.iter(text):
        start = end + 1 - n
        if _valid_within(text, start, end + 1, n, known, head):
            valid.add((start, n))
    return frozenset(valid)


_Gram = tuple[int, int, str]


def _fuzzy_candidates(view: TextView) -> list[_Gram]:
    """Runs of tokens that may be a misspelt term (worked out once per view)."""
    grams = view.memo.get("fuzzy")
    if grams is None:
        view.memo["fuzzy"] = grams = _grams(view)
    return grams  # type: ignore[return-value]


def _grams(view: TextView) -> list[_Gram]:
    infos = view.infos
    marked = list(compress(count(), map(_IS_SUSPECT, infos)))
    if not marked:
        return []
    n, spans = len(infos), set()
    # Only runs that contain a suspect token qualify: the runs around each one, of Thai
    # tokens only (Latin, digits and punctuation are never part of a misspelt Thai term).
    for s in marked:
        lo, hi = s, s + 1  # the Thai tokens within reach on either side
        while lo > s - _MAX_NGRAM + 1 and lo > 0 and infos[lo - 1][3]:
            lo -= 1
        while hi < s + _MAX_NGRAM and hi < n and infos[hi][3]:
            hi += 1
        for i in range(lo, s + 1):
            for j in range(s + 1, min(i + _MAX_NGRAM, hi) + 1):
                spans.add((i, j))
    folded, fbounds = view.folded, view.fbounds
    out: list[_Gram] = []
    for i, j in sorted(spans):  # in text order, as the hits they become are kept
        # One token: only an unknown one; a dictionary word is its own word
        # (สะพาย is not a misspelt สะพาน).
        if fbounds[j] - fbounds[i] >= _MIN_FOLDED and (j - i > 1 or not infos[i][1]):
            out.append((i, j, folded[fbounds[i] : fbounds[j]]))
    return out


def _longest_first(hit: Hit) -> int:
    # (start - end, start) as one int: longest first, then leftmost (starts < 2**32).
    return ((hit[0] - hit[1]) << 32) + hit[0]


def _drop_contained(hits: list[Hit]) -> list[Hit]:
    # "ไม่สามารถ" must count once, not also as "ไม่"; only within one label, so that
    # "แก้ปัญหา" (progress) does not silence "ปัญหา" (obstacle).  Longest first.
    hits.sort(key=_longest_first)
    kept: list[Hit] = []
    spans: dict[str, list[tuple[int, int]]] = {}
    for hit in hits:
        start, end, label = hit[0], hit[1], hit[2]
        same = spans.get(label)
        if same is None:
            spans[label] = [(start, end)]
        else:
            for s, e in same:
                if s <= start and end <= e and e - s > end - start:
                    break
            else:
                same.append((start, end))
                kept.append(hit)
            continue
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
