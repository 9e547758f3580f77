"""Suggesting a report's category and guessing whether it reports progress or an obstacle."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from .lexicon import Matcher, TextView, load_matcher
from .normalize import normalize
from .tokenize import segment_normalized

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
# Mass that stands for "none of these": keeps a lone weak term from looking certain.
_UNCERTAINTY = 1.0
# A participant count is evidence of an activity that took place.
_PARTICIPANTS_PROGRESS = 1.0


@cache
def _category_matcher() -> Matcher:
    return load_matcher("nlp_categories.txt")


@cache
def _kind_matcher() -> Matcher:
    return load_matcher("nlp_kind_cues.txt")


def warm_up_classifier() -> None:
    """Build the lexicon matchers now rather than on the first message."""
    _category_matcher()
    _kind_matcher()


def rank_categories(view: TextView) -> tuple[str, float, tuple[str, ...]]:
    """Return the best category, its confidence and all categories best-first for a view."""
    scores = dict.fromkeys(CATEGORIES, 0.0)
    for label, score in _category_matcher().scores(view).items():
        if label in scores:
            scores[label] += score
    scores["other"] += _OTHER_PRIOR
    order = {code: i for i, code in enumerate(CATEGORIES)}
    ranked = tuple(sorted(CATEGORIES, key=lambda c: (-scores[c], order[c])))
    best = ranked[0]
    confidence = scores[best] / (sum(scores.values()) + _UNCERTAINTY)
    return best, round(confidence, 3), ranked


def guess_kind(view: TextView, participants: int | None = None) -> tuple[str, float]:
    """Return "progress" or "obstacle" and a confidence in 0.5..1 for a view."""
    scores = _kind_matcher().scores(view)
    obstacle = scores.get("obstacle", 0.0)
    progress = scores.get("progress", 0.0)
    if participants is not None:
        progress += _PARTICIPANTS_PROGRESS
    kind = "obstacle" if obstacle > progress else "progress"
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
