"""One call that reads a coordinator's message: words, keywords, kind, category, head count."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

from .classify import guess_kind, rank_categories, warm_up_classifier
from .counts import participants_normalized
from .normalization import normalize
from .tokenizer import keywords, segment_normalized, warm_up_tokenizer
from .view import TextView

__all__ = ["Analysis", "analyze", "analyze_stream", "warm_up"]


@dataclass(frozen=True, slots=True)
class Analysis:
    """What the NLP module reads from one message."""

    normalized: str
    tokens: tuple[str, ...]
    keywords: tuple[str, ...]
    kind: str  # "progress" | "obstacle"
    kind_confidence: float
    category: str  # one of CATEGORIES
    confidence: float
    ranked_categories: tuple[str, ...]
    participants: int | None

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
    """Normalise and tokenise ``text`` once and derive everything else from that."""
    normalized = normalize(text)
    tokens = tuple(segment_normalized(normalized))
    view = TextView(tokens, normalized)
    count = participants_normalized(normalized)
    kind, kind_confidence = guess_kind(view, count, normalized)
    category, confidence, ranked = rank_categories(view)
    return Analysis(
        normalized=normalized,
        tokens=tokens,
        keywords=tuple(keywords(tokens)),
        kind=kind,
        kind_confidence=kind_confidence,
        category=category,
        confidence=confidence,
        ranked_categories=ranked,
        participants=count,
    )


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
