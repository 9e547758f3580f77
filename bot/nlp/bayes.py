"""A small multinomial naive Bayes over a message's words, beside the category lexicon.

The lexicon knows the words someone thought of; the model learns which words the labelled
examples (``bot/data/nlp_category_examples.tsv``) actually use for each category, so a
report in words the lexicon lacks still leans the right way.  Hand-written rather than
scikit-learn: 200 rows and 8 classes need a few dozen lines, and scoring one message is a
dict lookup per word (a few µs) where a scikit-learn ``predict`` on one row costs more than
tokenising it, on the reply path; it also keeps numpy and scipy out of the bot's start-up.
"""

from __future__ import annotations

import csv
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import cache
from math import exp
from pathlib import Path

from .dictionary import DATA_DIR
from .normalization import normalize
from .tokenizer import segment_normalized, stopwords
from .view import fold

__all__ = ["EXAMPLES", "NaiveBayes", "features", "load_examples", "model"]

EXAMPLES = DATA_DIR / "nlp_category_examples.tsv"
# Add-alpha smoothing: small, because the vocabulary (~1,000 words) dwarfs each class's
# ~150 word occurrences and add-one would flatten every word toward uniform.
_ALPHA = 0.5
_feature_cache: dict[str, str | None] = {}
_FEATURE_CACHE_MAX = 50_000  # distinct words; cleared when full so it stays bounded


def _feature(token: str) -> str | None:
    word = fold(token)
    if len(word) < 2 or word.isdigit() or not any(c.isalpha() for c in word):
        return None
    return None if token in stopwords() else word


def features(tokens: Iterable[str]) -> list[str]:
    """The words of a message the model reads: folded, without stopwords, digits, punctuation."""
    cache, out = _feature_cache, []
    for tok in tokens:
        try:
            word = cache[tok]
        except KeyError:
            if len(cache) >= _FEATURE_CACHE_MAX:
                cache.clear()
            word = cache[tok] = _feature(tok)
        if word is not None:
            out.append(word)
    return out


class NaiveBayes:
    """Multinomial naive Bayes with uniform class priors (the categories are balanced)."""

    def __init__(self, classes: Sequence[str], docs: Iterable[tuple[str, Sequence[str]]]) -> None:
        self.classes = tuple(classes)
        counts = {c: Counter[str]() for c in self.classes}
        for label, words in docs:
            counts[label].update(words)
        vocab = set().union(*counts.values())
        totals = {c: sum(counts[c].values()) + _ALPHA * len(vocab) for c in self.classes}
        # Per word, its log-likelihood under each class, in class order.
        self._token_rows: dict[str, tuple[float, ...]] = {}
        self._loglik: dict[str, tuple[float, ...]] = {
            w: tuple(math.log((counts[c][w] + _ALPHA) / totals[c]) for c in self.classes)
            for w in vocab
        }

    def probabilities(self, words: Iterable[str]) -> tuple[float, ...]:
        """P(class | words) in class order; uniform when no word is known to the model."""
        return self._posterior([row for row in map(self._loglik.get, words) if row is not None])

    def token_probabilities(self, tokens: Iterable[str]) -> tuple[float, ...]:
        """Like ``probabilities(features(tokens))``, with each token's row looked up once."""
        # Looked up and filtered in C; () stands for a token without a row.
        try:
            rows = list(filter(None, map(self._token_rows.__getitem__, tokens)))
        except KeyError:
            rows = list(filter(None, map(self._token_row, tokens)))
        return self._posterior(rows)

    def _token_row(self, token: str) -> tuple[float, ...]:
        row = self._token_rows.get(token)
        if row is None:
            if len(self._token_rows) >= _FEATURE_CACHE_MAX:
                self._token_rows.clear()
            word = _feature(token)
            row = self._token_rows[token] = (word and self._loglik.get(word)) or ()
        return row

    def _posterior(self, rows: list[tuple[float, ...]]) -> tuple[float, ...]:
        n = len(self.classes)
        if not rows:
            return (1.0 / n,) * n
        # Every row has one value per class (zip's strict check cost 0.4 µs a message).
        sums = list(map(sum, zip(*rows, strict=False)))
        top = max(sums)
        exps = [exp(s - top) for s in sums]
        total = sum(exps)
        return tuple([e / total for e in exps])


def load_examples(path: str | Path = EXAMPLES) -> list[tuple[str, str, str]]:
    """(category, kind, text) rows of a labelled file; lines starting with "#" are comments."""
    with open(path, encoding="utf-8", newline="") as fh:
        lines = [line for line in fh if not line.startswith("#")]
    reader = csv.DictReader(lines, delimiter="\t", quoting=csv.QUOTE_NONE)
    return [(r["category"], r["kind"], r["text"]) for r in reader]


def _words(text: str) -> list[str]:
    return features(segment_normalized(normalize(text)))


def train(
    rows: Iterable[tuple[str, str, str]],
    classes: Sequence[str],
    lexicon: Iterable[tuple[str, float, str]] = (),
) -> NaiveBayes:
    """A model of the rows' categories (progress rows too: their topic words count).

    Each lexicon term is also one small document of its category, repeated by its weight:
    200 examples alone leave most words unseen (10-fold cross-validation: 66 % alone), and
    the terms give the model the vocabulary the examples lack.
    """
    docs = [(cat, _words(text)) for cat, _, text in rows]
    docs += [(label, _words(term) * max(1, round(w))) for label, w, term in lexicon]
    return NaiveBayes(classes, [(c, w) for c, w in docs if c in classes])


@cache
def model() -> NaiveBayes:
    """The model trained on the shipped examples and the lexicon (built once, ~0.1 s)."""
    from .classify import CATEGORIES
    from .lexicon import load_entries

    return train(load_examples(), CATEGORIES, load_entries("nlp_categories.txt"))
