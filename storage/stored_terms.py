"""Open problems' search terms as sets, kept by the store between new problems."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence


class StoredTerms:
    """Open problems' term sets, kept between confirmations (one per Store).

    Every new problem is compared with every open one of the last 90 days; reading and
    splitting all their stored terms each time cost ~1 ms per new problem at a few hundred
    open. A problem's terms (reports.search_text) are written once, when it is reported,
    and only ever cleared (erasure), so (id, length of its search text) identifies them:
    only problems not seen yet, or changed, are read.  Bounded, oldest out first.

    Each term also lists the problems holding it, so the problems sharing words with a new
    one are counted from those lists (in C, by Counter) instead of intersecting the new
    problem's terms with every open problem's one by one.
    """

    SIZE = 20_000

    def __init__(self) -> None:
        self._sets: dict[tuple[int, int], frozenset[str]] = {}
        self._holding: dict[str, set[tuple[int, int]]] = {}  # term -> keys of sets with it
        self._lock = threading.Lock()  # adds may come from the writer thread and the loop

    def missing(self, keys: Sequence[tuple[int, int]]) -> list[int]:
        """Ids among these (id, length) keys whose terms are not kept."""
        return [i for i, n in keys if (i, n) not in self._sets]

    def add(self, keys: Sequence[tuple[int, int]], texts: dict[int, str]) -> None:
        """Keep the terms of `texts` (id -> search text) under their keys."""
        with self._lock:
            for i, n in keys:
                text = texts.get(i)
                if text is not None and (i, n) not in self._sets:
                    terms = self._sets[i, n] = frozenset(text.split())
                    for term in terms:
                        self._holding.setdefault(term, set()).add((i, n))
            while len(self._sets) > self.SIZE:
                old = next(iter(self._sets))
                for term in self._sets.pop(old):
                    holders = self._holding[term]
                    holders.discard(old)
                    if not holders:
                        del self._holding[term]

    def candidates(self, keys: Sequence[tuple[int, int]]) -> list[tuple[int, frozenset[str]]]:
        """(id, terms) of the keys whose terms are kept."""
        sets = self._sets
        return [(i, got) for i, n in keys if (got := sets.get((i, n))) is not None]

    def overlaps(
        self, terms: Iterable[str], keys: Sequence[tuple[int, int]], min_share: float = 0.0
    ) -> list[tuple[int, int, int]]:
        """(id, number of terms, number shared with `terms`) of the kept keys among `keys`
        that share at least one term and at least `min_share` of `terms`, by id."""
        mine = set(terms)
        shared: Counter[tuple[int, int]] = Counter()
        with self._lock:
            for term in mine:
                holders = self._holding.get(term)
                if holders:
                    shared.update(holders)
            n = len(mine) or 1
            wanted = set(keys)
            return sorted((key[0], len(self._sets[key]), count) for key, count in shared.items()
                          if count / n >= min_share and key in wanted)  # fmt: skip
