"""Suggesting a report's category and guessing whether it reports progress or an obstacle."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from itertools import compress, count

from .bayes import NaiveBayes, model
from .lexicon import Hit, Matcher, load_entries
from .normalization import normalize
from .tokenizer import segment_normalized
from .view import TextView

__all__ = ["CATEGORIES", "KINDS", "guess_kind", "rank_categories", "suggest_category"]

CATEGORIES: tuple[str, ...] = (
    "budget",
    "coordination",
    "security",
    "participation",
    "infrastructure",
    "livelihood",
    "drugs",
    "other",
)
KINDS: tuple[str, ...] = ("progress", "obstacle")

# "other" starts with a little weight so that it wins when nothing else matches,
# and loses to any single term of another category.
_OTHER_PRIOR = 0.5
# The naive Bayes posterior (0..1 per category) is added to the lexicon scores with this
# weight: a confident model counts like one supporting term, an unsure one (a spread-out
# posterior) barely nudges.  Chosen by 10-fold cross-validation on the examples
# (benchmarks/nlp_accuracy.py --cv), never on the held-out rows; heavier weights lost
# there (the lexicon, written by meaning, is the stronger of the two).
BAYES_WEIGHT = 1.0
# Mass that stands for "none of these": keeps a lone weak term from looking certain.
_UNCERTAINTY = 1.0
# A participant count is evidence of an activity that took place.
_PARTICIPANTS_PROGRESS = 1.0
# Negators that turn a progress cue into an obstacle, before or after it in its clause.
_NEG_BEFORE = frozenset({"ไม่", "งด", "ยกเลิก", "เลื่อน"})
_NEG_AFTER = frozenset({"ไม่"})
# ...and those that turn an obstacle cue into good news, right before it ("ไม่|มีปัญหา").
_NONE_BEFORE = frozenset({"ไม่", "ไม่มี", "ไร้", "ปราศจาก"})
_NEG_BEFORE_WINDOW, _NONE_BEFORE_WINDOW, _NEG_AFTER_WINDOW = 12, 6, 30  # characters
_NEGATORS = _NEG_BEFORE | _NEG_AFTER | _NONE_BEFORE
# Coordinators end a message with a face; it says which kind of day it was.
_EMOJI = {
    **dict.fromkeys("😥😓😭😟😢😞😔😩😫😰😱😣😖☹🙁😤😡", "obstacle"),
    **dict.fromkeys("👍✅😊🙂😀😃😄😁🎉👏💪✌🥰😍", "progress"),
}
_EMOJI_WEIGHT = 1.0
_EMOJI_CHARS = re.compile("[" + "".join(_EMOJI) + "]")
# The faces inside the Basic Multilingual Plane; the rest are astral, which a text has
# iff its UTF-16 form is longer than two bytes a character (one encode in C, where
# max(text) made a string of every Thai character).
_BMP_FACES = tuple(c for c in _EMOJI if ord(c) < 0x10000)


def _may_have_face(text: str) -> bool:
    if len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
        return True
    for face in _BMP_FACES:
        if face in text:
            return True
    return False


@cache
def _matcher() -> Matcher:
    # One matcher for both lexicons: where terms occur is found once per message for both,
    # but each reply puts together only the hits of the lexicon it reads (the obstacle
    # flow the categories, triage the cues).  A hit only ever hides a shorter hit of its
    # own label, so the two lexicons never affect each other's hits.
    categories, cues = load_entries("nlp_categories.txt"), load_entries("nlp_kind_cues.txt")
    shared = {label for label, _, _ in categories} & {label for label, _, _ in cues}
    if shared:
        raise ValueError(f"labels used in both lexicons: {sorted(shared)}")
    return Matcher(categories, cues)


_CATEGORY_TERMS, _KIND_CUES = 0, 1


def _hits(view: TextView, lexicon: int) -> list[Hit]:
    return _matcher().hits(view, lexicon)  # kept on the view by the matcher


def warm_up_classifier() -> None:
    """Build the lexicon matchers and train the model now rather than on the first message."""
    _matcher()
    model()


def rank_categories(
    view: TextView, bayes: NaiveBayes | None = None, bayes_weight: float = BAYES_WEIGHT
) -> tuple[str, float, tuple[str, ...]]:
    """Return the best category, its confidence and all categories best-first for a view."""
    scores = dict.fromkeys(CATEGORIES, 0.0)
    for hit in _hits(view, _CATEGORY_TERMS):
        if hit.label in scores:
            scores[hit.label] += hit.weight * hit.factor
    scores["other"] += _OTHER_PRIOR
    if bayes_weight:
        posterior = (bayes or model()).token_probabilities(view.raw)
        for code, p in zip(CATEGORIES, posterior, strict=True):
            scores[code] += bayes_weight * p
    # Highest first, ties in CATEGORIES order (a reversed sort is still stable).
    ranked = tuple(sorted(CATEGORIES, key=scores.__getitem__, reverse=True))
    best = ranked[0]
    confidence = scores[best] / (sum(scores.values()) + _UNCERTAINTY)
    return best, round(confidence, 3), ranked


# A negator token of a message: where it starts and ends in the compact text, and itself.
_Negator = tuple[int, int, str]


def _negators(view: TextView) -> list[_Negator]:
    tokens, bounds = view.tokens, view.bounds
    found = compress(count(), map(_NEGATORS.__contains__, tokens))  # in C
    return [(bounds[k], bounds[k + 1], tokens[k]) for k in found]


def _negated(
    view: TextView,
    negators: list[_Negator],
    hit: Hit,
    before: frozenset[str],
    after: frozenset[str],
    window: int,
) -> bool:
    # Negation scopes over its clause (Thai separates clauses with spaces).  Negators are
    # matched as whole tokens, so the ไม่ inside ความไม่สงบ negates nothing: a negator
    # counts if the whole token lies in the window before or after the cue.
    start, end = view.clause(hit.start)
    head_from, tail_to = max(start, hit.start - window), min(end, hit.end + _NEG_AFTER_WINDOW)
    for first, last, token in negators:
        if token in before and head_from <= first and last <= hit.start:
            return True
        if token in after and hit.end <= first and last <= tail_to:
            return True
    return False


def _read_negation(view: TextView, negators: list[_Negator], hit: Hit) -> str:
    """The kind a progress or obstacle cue counts for, negation read."""
    if hit.label == "progress":
        if _negated(view, negators, hit, _NEG_BEFORE, _NEG_AFTER, _NEG_BEFORE_WINDOW):
            return "obstacle"  # "จัดกิจกรรมไม่ได้", "งดลงพื้นที่"
    elif _negated(view, negators, hit, _NONE_BEFORE, frozenset(), _NONE_BEFORE_WINDOW):
        return "progress"  # "ไม่มีปัญหา"
    return hit.label


def guess_kind(
    view: TextView, participants: int | None = None, text: str = ""
) -> tuple[str, float]:
    """Return "progress" or "obstacle" and a confidence in 0.5..1 for a view."""
    score = {"progress": 0.0, "obstacle": 0.0}
    # Most messages have no negator at all: then no cue is negated (one set test in C).
    negators = _negators(view) if not _NEGATORS.isdisjoint(view.tokens) else []
    for hit in _hits(view, _KIND_CUES):
        label = hit.label
        if label not in score:
            continue  # a category term
        if negators:
            label = _read_negation(view, negators, hit)
        if label in score:
            score[label] += hit.weight * hit.factor
    if participants is not None:
        score["progress"] += _PARTICIPANTS_PROGRESS
    if text and _may_have_face(text):
        for char in set(_EMOJI_CHARS.findall(text)):
            score[_EMOJI[char]] += _EMOJI_WEIGHT
    obstacle, progress = score["obstacle"], score["progress"]
    # A tie goes to "obstacle": a problem read as progress is the costlier mistake.
    kind = "obstacle" if obstacle > 0 and obstacle >= progress else "progress"
    confidence = 0.5 + 0.5 * abs(obstacle - progress) / (obstacle + progress + _UNCERTAINTY)
    return kind, round(confidence, 3)


def suggest_category(text_or_tokens: str | Sequence[str]) -> tuple[str, float, list[str]]:
    """Return (best category code, confidence 0..1, all eight codes best-first)."""
    if isinstance(text_or_tokens, str):
        tokens = segment_normalized(normalize(text_or_tokens))
    else:
        tokens = [t for t in text_or_tokens if t and not t.isspace()]
    best, confidence, ranked = rank_categories(TextView(tokens))
    return best, confidence, list(ranked)
