"""A tokenised message prepared once for lexicon matching."""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence

from .dictionary import aliases, is_known
from .tokenizer import stopwords

__all__ = ["TextView", "fold"]

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
_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """Return a spelling-tolerant key: lower case, no tone marks, homophones merged."""
    return text.lower().translate(_FOLD)


class TextView:
    """A message prepared once for matching: compact and folded text with token offsets."""

    __slots__ = (
        "bounds",
        "clauses",
        "compact",
        "edges",
        "fbounds",
        "fedges",
        "folded",
        "ftokens",
        "known",
        "suspect",
        "thai",
        "tokens",
    )

    def __init__(self, tokens: Sequence[str], text: str | None = None) -> None:
        alias = aliases()
        self.tokens = lowered = [alias.get(t, t).lower() for t in tokens]
        self.ftokens = [t.translate(_FOLD) for t in lowered]
        self.compact = "".join(lowered)
        self.folded = "".join(self.ftokens)
        self.bounds = _offsets(lowered)
        self.fbounds = _offsets(self.ftokens)
        self.edges, self.fedges = frozenset(self.bounds), frozenset(self.fbounds)
        self.known = [t.isascii() or is_known(t) for t in tokens]
        # A misspelt word comes out of the tokeniser as unknown or very short pieces (but
        # not as common short words like มี, คน).  Latin, digits and punctuation are never
        # part of one: the lexicon terms are Thai.
        stop = stopwords()
        self.suspect = [
            not t.isascii() and (not k or (len(t) <= 2 and t not in stop))
            for k, t in zip(self.known, tokens, strict=True)
        ]
        self.thai = [not t.isascii() for t in tokens]
        self.clauses = _clause_ends(text, len(self.compact)) if text else [len(self.compact)]

    def to_compact(self, folded_pos: int) -> int:
        """Map an offset in the folded text to the nearby offset in the compact text."""
        k = bisect_right(self.fbounds, folded_pos) - 1
        k = min(max(k, 0), len(self.bounds) - 1)
        start = self.bounds[k]
        end = self.bounds[k + 1] if k + 1 < len(self.bounds) else start
        return min(start + folded_pos - self.fbounds[k], end)

    def tokens_within(self, start: int, end: int) -> list[str]:
        """Return the tokens that lie wholly inside the compact-text span start..end."""
        first = bisect_left(self.bounds, start)
        last = bisect_right(self.bounds, end) - 1
        return self.tokens[first:last] if last > first else []

    def clause(self, pos: int) -> tuple[int, int]:
        """Return the compact-text span of the clause (text between spaces) around ``pos``."""
        k = bisect_right(self.clauses, pos)
        start = self.clauses[k - 1] if k > 0 else 0
        end = self.clauses[k] if k < len(self.clauses) else len(self.compact)
        return start, end


def _clause_ends(text: str, length: int) -> list[int]:
    # Thai marks clauses with spaces; in the compact text they sit where the spaces were.
    ends, removed = [], 0
    for match in _SPACES.finditer(text):
        ends.append(match.start() - removed)
        removed += match.end() - match.start()
    ends.append(length)
    return ends


def _offsets(tokens: Sequence[str]) -> list[int]:
    out, pos = [0], 0
    for tok in tokens:
        pos += len(tok)
        out.append(pos)
    return out
