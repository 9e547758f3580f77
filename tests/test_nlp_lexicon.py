"""The lexicon matcher against a plain reference: every term scanned for in the whole text.

bot.nlp.lexicon finds matches per distinct token and across token boundaries with
automata, and keeps what it worked out per token; this reference is the rule as written
(the first match of each term that lines up with the tokens, exact, else folded, else
within one edit of a run of tokens), term by term, with nothing cached.  Both must find
the same hits on the labelled texts and on misspelt copies of them.
"""

from __future__ import annotations

import random
from bisect import bisect_right

from bot.nlp import normalize, tokenizer
from bot.nlp.bayes import EXAMPLES, load_examples
from bot.nlp.classify import _matcher
from bot.nlp.lexicon import (
    _EXACT_FACTOR,
    _FOLDED_FACTOR,
    _FUZZY_FACTOR,
    Hit,
    Matcher,
    _drop_contained,
    _fuzzy_candidates,
    _in_compound,
    _within_one,
)
from bot.nlp.view import TextView


def _find(text: str, term: str, bounds: list[int], view: TextView, folded: bool) -> int:
    """The first match of ``term`` in ``text`` that counts (the rules of lexicon.py's docstring)."""
    edges, n = set(bounds), len(term)
    i = text.find(term)
    while i >= 0:
        j = i + n
        start_ok, end_ok = i in edges, j in edges
        if start_ok and end_ok:
            return i
        k = bisect_right(bounds, i) - 1
        if j > bounds[k + 1]:
            if (n >= 6 and (start_ok or end_ok)) or n >= 9:
                return i
        elif not view.known[k]:
            if n >= 6:
                return i
        elif _in_compound(text, i, j, bounds[k], bounds[k + 1], start_ok and not folded):
            return i
        i = text.find(term, i + 1)
    return -1


def _reference_hits(matcher: Matcher, view: TextView, lexicon: int) -> list[Hit]:
    lo, hi = matcher._ranges[lexicon]
    terms = matcher._terms[lo:hi]
    found: dict[tuple[str, str], Hit] = {}
    for term in terms:
        j = _find(view.compact, term.text, view.bounds, view, False)
        if j >= 0:
            hit = Hit(j, j + len(term.text), term.label, term.text, term.weight, _EXACT_FACTOR)
            found[term.key] = hit
        elif term.long:
            i = _find(view.folded, term.folded, view.fbounds, view, True)
            if i >= 0:
                s, e = view.to_compact(i), view.to_compact(i + len(term.folded))
                found[term.key] = Hit(s, e, term.label, term.text, term.weight, _FOLDED_FACTOR)
    for i, j, cand in _fuzzy_candidates(view):
        if len(cand) > matcher._max_len:
            continue
        for term in terms:
            if term.long and _within_one(cand, term.folded):
                s, e = view.bounds[i], view.bounds[j]
                hit = Hit(s, e, term.label, term.text, term.weight, _FUZZY_FACTOR)
                found.setdefault(term.key, hit)
    return _drop_contained(list(found.values()))


def _texts() -> list[str]:
    rnd = random.Random(15)
    texts = [text for _, _, text in load_examples(EXAMPLES)]
    for text in list(texts):
        for _ in range(2):  # misspelt: a letter dropped, doubled, or a tone mark or space typed
            chars = list(text)
            k = rnd.randrange(len(chars))
            op = rnd.randrange(4)
            if op == 0:
                del chars[k]
            elif op == 1:
                chars.insert(k, chars[k])
            else:
                chars.insert(k, "\u0e48" if op == 2 else " ")
            texts.append("".join(chars))
    return texts


def test_matcher_finds_what_a_term_by_term_scan_finds() -> None:
    matcher = _matcher()
    for text in _texts():
        norm = normalize(text)
        tokens = tokenizer.segment_normalized(norm)
        view = TextView(tokens, norm)  # both lexicons read one view, as analyze() does
        for lexicon in (0, 1):
            got = matcher.hits(view, lexicon)
            want = _reference_hits(matcher, TextView(tokens, norm), lexicon)
            # Hits of the same span may come in either order (they sum to the same score).
            assert sorted(got) == sorted(want), (text, got, want)


def test_a_token_seen_before_is_read_from_the_cache_alike() -> None:
    matcher = _matcher()
    text = normalize("งบประมานยังไม่โอน ถนนลูกรังชำรุด งบประมาณค่าอาหาร")
    tokens = tokenizer.segment_normalized(text)
    first = matcher.hits(TextView(tokens, text))
    assert first and first == matcher.hits(TextView(tokens, text))
