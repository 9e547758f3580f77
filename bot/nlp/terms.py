"""Search and similarity terms: content words of a normalised text, spelling-tolerant.

Reports and queries go through the same function, so a search finds what storage
indexed. Words are folded (tone marks dropped, homophone letters merged, see
`view.fold`), and runs of two or three neighbouring words are also joined: a
misspelt word the dictionary does not know falls apart into pieces (งบประมาน →
งบ ประ มาน), and the joined pieces meet the folded correct word again.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from .dictionary import aliases
from .tokenizer import segment_normalized, stopwords
from .view import fold

__all__ = ["search_terms", "term_weight"]

MAX_JOIN = 3  # words joined into one term (a misspelling rarely splits into more)


def _clean(word: str) -> str:
    """Letters, marks and digits only (ศอ.บต. → ศอบต), so every index tokenises it alike."""
    return "".join(c for c in word if unicodedata.category(c)[0] in "LMN")


def search_terms(normalized: str, tokens: Sequence[str] | None = None) -> tuple[str, ...]:
    """The distinct terms of an already-normalised text, in order of first appearance.

    Pass ``tokens`` when the text is already segmented (``Analysis.tokens``): they are
    what ``segment_normalized(normalized)`` returns, and segmenting again costs as much.
    """
    stop, alias = stopwords(), aliases()
    words: list[str | None] = []  # None marks a stopword or punctuation: joins stop there
    for tok in segment_normalized(normalized) if tokens is None else tokens:
        word = alias.get(tok, tok).lower()
        cleaned = _clean(fold(word))
        if word in stop or not cleaned:
            words.append(None)
        else:
            words.append(cleaned)
    seen: dict[str, None] = {}
    for i, first in enumerate(words):
        if first is None:
            continue
        if first.isdigit() or len(first) >= 2:
            seen.setdefault(first)
        joined = first
        for following in words[i + 1 : i + MAX_JOIN]:
            if following is None:
                break
            joined += following
            seen.setdefault(joined)
    return tuple(seen)


def term_weight(term: str) -> int:
    """How much a matched term counts: longer terms say more (a joined phrase most)."""
    return len(term)
