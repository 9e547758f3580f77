"""One call that reads a coordinator's message: words, keywords, kind, category, head count."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TextIO

from .classify import guess_kind, rank_categories, warm_up_classifier
from .counts import participants_normalized
from .normalization import normalize
from .tokenizer import keywords, segment_normalized, warm_up_tokenizer
from .view import TextView

__all__ = ["Analysis", "analyze", "analyze_stream", "warm_up"]


class Analysis:
    """What the NLP module reads from one message.

    The text is normalised and tokenised once, up front; everything else is worked out the
    first time it is asked for and then kept.  A reply asks for one thing (the obstacle
    flow for the category, triage for the kind), so the reply path pays for that and not
    for the rest (head count, keywords, the other reading).  Read-only, like a frozen
    dataclass; two threads asking at once may both compute a field, with the same result.
    """

    __slots__ = ("_category", "_count", "_keywords", "_kind", "_view", "normalized", "tokens")

    normalized: str
    tokens: tuple[str, ...]
    _view: TextView | None
    _count: tuple[int | None] | None  # boxed: None is a count's value ("no count")
    _kind: tuple[str, float] | None
    _category: tuple[str, float, tuple[str, ...]] | None
    _keywords: tuple[str, ...] | None

    def __init__(self, normalized: str, tokens: tuple[str, ...]) -> None:
        set_ = object.__setattr__
        set_(self, "normalized", normalized)
        set_(self, "tokens", tokens)
        for name in ("_view", "_count", "_kind", "_category", "_keywords"):
            set_(self, name, None)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"Analysis is read-only: cannot set {name!r}")

    def __repr__(self) -> str:
        return f"Analysis(normalized={self.normalized!r}, tokens={self.tokens!r})"

    def _get_view(self) -> TextView:
        view = self._view
        if view is None:
            view = TextView(self.tokens, self.normalized)
            object.__setattr__(self, "_view", view)
        return view

    def _done(self, name: str, value: object) -> None:
        object.__setattr__(self, name, value)
        # The view (with its matches) is only needed until both readings are made.
        if self._kind is not None and self._category is not None:
            object.__setattr__(self, "_view", None)

    @property
    def participants(self) -> int | None:
        """How many took part, read from the text; None if it gives no count."""
        count = self._count
        if count is None:
            count = (participants_normalized(self.normalized),)
            object.__setattr__(self, "_count", count)
        return count[0]

    def _reading(self) -> tuple[str, float]:
        reading = self._kind
        if reading is None:
            reading = guess_kind(self._get_view(), self.participants, self.normalized)
            self._done("_kind", reading)
        return reading

    @property
    def kind(self) -> str:
        """ "progress" or "obstacle"."""
        return self._reading()[0]

    @property
    def kind_confidence(self) -> float:
        """How sure the kind is, 0.5..1."""
        return self._reading()[1]

    def _ranking(self) -> tuple[str, float, tuple[str, ...]]:
        ranking = self._category
        if ranking is None:
            ranking = rank_categories(self._get_view())
            self._done("_category", ranking)
        return ranking

    @property
    def category(self) -> str:
        """The suggested category, one of CATEGORIES."""
        return self._ranking()[0]

    @property
    def confidence(self) -> float:
        """How sure the category is, 0..1."""
        return self._ranking()[1]

    @property
    def ranked_categories(self) -> tuple[str, ...]:
        """Every category, the likeliest first."""
        return self._ranking()[2]

    @property
    def keywords(self) -> tuple[str, ...]:
        """Up to ten content words, most frequent first."""
        words = self._keywords
        if words is None:
            words = tuple(keywords(self.tokens))
            object.__setattr__(self, "_keywords", words)
        return words

    def complete(self) -> Analysis:
        """Work out every field now (e.g. off the reply path); return self."""
        self._ranking()
        self._reading()
        _ = self.keywords
        return self

    def to_json_dict(self) -> dict[str, object]:
        """Return the fields `prasan nlp analyze` prints for a message."""
        return {
            "tokens": list(self.tokens),
            "keywords": list(self.keywords),
            "kind": self.kind,
            "category": self.category,
            "confidence": round(self.confidence, 3),
            "participants": self.participants,
        }


def analyze(text: str) -> Analysis:
    """Normalise and tokenise ``text`` now; the rest is read from them when first asked for."""
    normalized = normalize(text)
    try:
        return Analysis(normalized, tuple(segment_normalized(normalized)))
    except UnicodeEncodeError:  # a lone surrogate (undecodable input): nlpo3 takes UTF-8 only
        return analyze(text.encode("utf-8", "replace").decode("utf-8"))


def analyze_stream(lines: Iterable[str], out: TextIO) -> int:
    """Write one JSON object per non-blank input line to ``out``; return how many."""
    count = 0
    for line in lines:
        if not line.strip():
            continue
        result = analyze(line)
        out.write(json.dumps(result.to_json_dict(), ensure_ascii=False) + "\n")
        count += 1
    return count


def warm_up() -> str:
    """Load the dictionary, stopwords and lexicons now; return the tokeniser engine in use."""
    engine = warm_up_tokenizer()
    warm_up_classifier()
    return engine
