"""A tokenised message prepared once for lexicon matching."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from itertools import accumulate
from operator import itemgetter
from typing import Any, Generic, TypeVar, cast, overload

from .dictionary import aliases, known_words
from .tokenizer import stopwords

__all__ = ["TextView", "TokenInfo", "fold"]

_DROPPED = "\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e47"  # tone marks, ์, ็
_MERGED, _MERGED_INTO = "ศษฐฑฒธณญฎฏภฆฌฬ", "สสททททนยดตพคชล"  # homophone consonants
_FOLD = str.maketrans(_MERGED, _MERGED_INTO, _DROPPED)
# The same on TIS-620 bytes: str.translate looks every character up in a dict, while
# encoding, bytes.translate and decoding all run in C (a third of the time).
_FOLD_BYTES = bytes.maketrans(_MERGED.encode("cp874"), _MERGED_INTO.encode("cp874"))
_DROPPED_BYTES = _DROPPED.encode("cp874")


_T = TypeVar("_T")


class _lazy(Generic[_T]):
    """functools.cached_property without its lock (Python 3.11 takes one on every first use)."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func, self.name = func, func.__name__

    @overload
    def __get__(self, obj: None, owner: type) -> _lazy[_T]: ...
    @overload
    def __get__(self, obj: object, owner: type) -> _T: ...
    def __get__(self, obj: object | None, owner: type) -> _T | _lazy[_T]:
        if obj is None:
            return self
        # Stored under the same name: from now on the instance attribute answers.
        value = obj.__dict__[self.name] = self.func(obj)
        return value


def fold(text: str) -> str:
    """Return a spelling-tolerant key: lower case, no tone marks, homophones merged."""
    return _fold_lower(text.lower())


def _fold_lower(text: str) -> str:
    try:
        return text.encode("cp874").translate(_FOLD_BYTES, _DROPPED_BYTES).decode("cp874")
    except UnicodeEncodeError:  # emoji and other characters TIS-620 lacks
        return text.translate(_FOLD)


# Per distinct token: (lowered canonical form, known, suspect, Thai, folded).  A chat
# vocabulary is small, so a message's tokens are mostly found here, one lookup each,
# instead of four lookups each in four passes.  Cleared when full so it stays bounded.
TokenInfo = tuple[str, bool, bool, bool, str]
_INFO: dict[str, TokenInfo] = {}
_INFO_MAX = 50_000


# TokenInfo's fields, read by map() in C.
_LOWERED, _KNOWN, _THAI, _FOLDED = itemgetter(0), itemgetter(1), itemgetter(3), itemgetter(4)


def _token_info(token: str) -> TokenInfo:
    lowered = aliases().get(token, token).lower()
    ascii_ = token.isascii()
    known = ascii_ or token in known_words()
    # A misspelt word comes out of the tokeniser as unknown or very short pieces (but not
    # as common short words like มี, คน).  Latin, digits and punctuation are never part of
    # one: the lexicon terms are Thai.
    suspect = not ascii_ and (not known or (len(token) <= 2 and token not in stopwords()))
    info = (lowered, known, suspect, not ascii_, _fold_lower(lowered))
    if len(_INFO) >= _INFO_MAX:
        _INFO.clear()
    _INFO[token] = info
    return info


class TextView:
    """A message prepared once for matching: compact and folded text with token offsets.

    Only the compact text and its token offsets are built up front; the rest is built
    the first time a matcher asks for it (most messages never need the folded offsets
    or the misspelling candidates), and then shared by every matcher.
    """

    def __init__(self, tokens: Sequence[str], text: str | None = None) -> None:
        # map() with itemgetter runs each pass over the tokens in C.
        found = list(map(_INFO.get, tokens))
        if None in found:
            found = [i or _token_info(t) for i, t in zip(found, tokens, strict=True)]
        self.raw = tokens
        self.infos = infos = cast(list[TokenInfo], found)
        self.tokens = lowered = list(map(_LOWERED, infos))
        self.compact = "".join(lowered)
        self.bounds = list(accumulate(map(len, lowered), initial=0))
        self._text = text
        # Matchers keep what they derive from the view here, keyed by their own names.
        self.memo: dict[str, object] = {}

    @_lazy
    def folded(self) -> str:
        """The compact text folded: folding maps character by character, so token by token."""
        ftokens = list(map(_FOLDED, self.infos))
        # The offsets with it: a matcher that reads one reads the other.
        self.__dict__["fbounds"] = list(accumulate(map(len, ftokens), initial=0))
        return "".join(ftokens)

    @_lazy
    def fbounds(self) -> list[int]:
        """Token offsets in the folded text."""
        _ = self.folded  # sets them
        return self.__dict__["fbounds"]  # type: ignore[no-any-return]

    @_lazy
    def known(self) -> list[bool]:
        """Per token: Latin, digits and punctuation, or a dictionary word."""
        return list(map(_KNOWN, self.infos))

    @_lazy
    def thai(self) -> list[bool]:
        """Per token: not Latin, digits or punctuation."""
        return list(map(_THAI, self.infos))

    @_lazy
    def clauses(self) -> list[int]:
        """Where each clause ends in the compact text."""
        text = self._text
        return _clause_ends(text, len(self.compact)) if text else [len(self.compact)]

    def to_compact(self, folded_pos: int) -> int:
        """Map an offset in the folded text to the nearby offset in the compact text."""
        k = bisect_right(self.fbounds, folded_pos) - 1
        k = min(max(k, 0), len(self.bounds) - 1)
        start = self.bounds[k]
        end = self.bounds[k + 1] if k + 1 < len(self.bounds) else start
        return min(start + folded_pos - self.fbounds[k], end)

    def clause(self, pos: int) -> tuple[int, int]:
        """Return the compact-text span of the clause (text between spaces) around ``pos``."""
        clauses = self.clauses
        k = bisect_right(clauses, pos)
        start = clauses[k - 1] if k > 0 else 0
        end = clauses[k] if k < len(clauses) else len(self.compact)
        return start, end


def _clause_ends(text: str, length: int) -> list[int]:
    # Thai marks clauses with spaces; in the compact text they sit where the spaces were.
    # (str.split and accumulate run in C; a regex loop cost more than the whole view.)
    ends = list(accumulate(map(len, text.split())))
    ends[-1:] = [length]
    return ends
