"""Word segmentation with the domain dictionary, and keyword extraction.

nlpo3 (newmm in Rust) is called directly with a merged dictionary:
``word_tokenize(engine="nlpo3")`` ignores ``custom_dict``.  If nlpo3 cannot be
imported, pythainlp's newmm with the same dictionary gives the same segmentation.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Sequence
from functools import cache

from .dictionary import aliases, data_lines, dictionary_file, domain_words, is_known, merged_words
from .normalization import normalize

__all__ = [
    "engine_name",
    "keywords",
    "segment_normalized",
    "stopwords",
    "tokenize",
    "warm_up_tokenizer",
]

_Segmenter = Callable[[str], list[str]]
_segment: _Segmenter | None = None
_engine = ""
_lock = threading.Lock()
_log = logging.getLogger(__name__)
_LETTER = re.compile(r"[\u0e01-\u0e2ea-zA-Z]")


def _load_nlpo3() -> _Segmenter:
    import nlpo3

    path = dictionary_file()
    # The name carries the content hash: nlpo3 never replaces a name already loaded.
    name = f"prasan-{path.stem}"
    message, ok = nlpo3.load_dict(str(path), name)
    if not ok and "exist" not in message.lower():
        raise RuntimeError(f"nlpo3 could not load {path}: {message}")
    # nlpo3.segment is a thin Python wrapper around rust_segment; skip one call layer.
    rust_segment: Callable[[str, str, bool, bool], list[str]] | None = getattr(
        nlpo3, "rust_segment", None
    )
    if rust_segment is None:
        public_segment = nlpo3.segment

        def segment(text: str) -> list[str]:
            return public_segment(text, name)

    else:

        def segment(text: str) -> list[str]:
            return rust_segment(text, name, False, False)

    return segment


def _load_newmm() -> _Segmenter:
    from pythainlp.tokenize import word_tokenize
    from pythainlp.util import Trie

    trie = Trie(merged_words())

    def segment(text: str) -> list[str]:
        return word_tokenize(text, custom_dict=trie, engine="newmm", keep_whitespace=True)

    return segment


def _load() -> _Segmenter:
    global _segment, _engine
    with _lock:
        if _segment is None:
            wanted = os.environ.get("PRASAN_TOKENIZER", "nlpo3")
            segmenter: _Segmenter | None = None
            if wanted != "newmm":
                try:
                    segmenter, _engine = _load_nlpo3(), "nlpo3"
                except (ImportError, OSError, RuntimeError) as exc:
                    # newmm needs no file and segments the same, only ~5x slower.
                    _log.warning("nlpo3 unavailable (%s); tokenising with newmm", exc)
            if segmenter is None:
                segmenter, _engine = _load_newmm(), "newmm"
            _segment = segmenter
        return _segment


def warm_up_tokenizer() -> str:
    """Load the dictionary and stopwords now rather than on the first message; return the engine."""
    _load()
    stopwords()
    return _engine


def engine_name() -> str:
    """Return the segmentation engine in use ("nlpo3" or "newmm"), loading it if needed."""
    _load()
    return _engine


def segment_normalized(text: str) -> list[str]:
    """Split already-normalised text into words, dropping whitespace tokens."""
    if not text:
        return []
    segment = _segment or _load()
    return [tok for tok in segment(text) if not tok.isspace()]


def segment_raw(text: str) -> list[str]:
    """Split text into words keeping every character (spaces too): the pieces join back to it."""
    if not text:
        return []
    segment = _segment or _load()
    return list(segment(text))


def tokenize(text: str) -> list[str]:
    """Normalise ``text`` and split it into words with the domain dictionary."""
    # segment_normalized() inlined: this is the hot path, one call layer is ~5% of it.
    text = normalize(text)
    if not text:
        return []
    segment = _segment or _load()
    return [tok for tok in segment(text) if not tok.isspace()]


@cache
def stopwords() -> frozenset[str]:
    """Return pythainlp's Thai stopwords plus the chat particles in nlp_stopwords.txt."""
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords()).union(data_lines("nlp_stopwords.txt"))


@cache
def _domain_set() -> frozenset[str]:
    return frozenset(domain_words())


def _keyword(tok: str) -> str | None:
    """The word ``tok`` counts as in keyword lists, or None for stopwords and fragments."""
    word = aliases().get(tok, tok)
    if word in stopwords():
        return None
    if word not in _domain_set():
        if len(word) < 2 or not _LETTER.search(word):
            return None
        # Two-letter Thai pieces outside the dictionary are fragments of unknown words.
        if len(word) == 2 and not word.isascii() and not is_known(word):
            return None
    return word


# Per distinct token (a chat vocabulary is small); cleared when full so it stays bounded.
_keyword_cache: dict[str, str | None] = {}
_KEYWORD_CACHE_MAX = 50_000


def keywords(tokens: Sequence[str], limit: int = 10) -> list[str]:
    """Return up to ``limit`` content words, most frequent first, ties in order of appearance."""
    # Looked up and filtered in C (a keyword is never empty; None marks a non-keyword).
    try:
        words = list(filter(None, map(_keyword_cache.__getitem__, tokens)))
    except KeyError:
        words = list(filter(None, map(_cached_keyword, tokens)))
    # Counter keeps first-appearance order and sorted() is stable, so equal counts keep it.
    counts = Counter(words)
    return sorted(counts, key=counts.__getitem__, reverse=True)[: max(limit, 0)]


def _cached_keyword(tok: str) -> str | None:
    try:
        return _keyword_cache[tok]
    except KeyError:
        if len(_keyword_cache) >= _KEYWORD_CACHE_MAX:
            _keyword_cache.clear()
        word = _keyword_cache[tok] = _keyword(tok)
        return word
