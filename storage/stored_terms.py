"""Open problems' search terms as sets, kept by the store between new problems."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable, Sequence


class StoredTerms:
    """Open problems' term sets, kept between confirmations (one per Store).

    Every new problem is compared with every open one of the last 90 days; reading and
    splitting all their stored terms each time cost ~1 ms per new problem at a few hundred
    open. A report's terms (reports.search_text) are written once, when it is stored, and
    only ever removed by redaction (erasure, retention), which also sets redacted_at and so
    takes it out of the open problems asked about: kept by report id, only problems not
    seen yet are read.  Bounded, oldest out first (far above the open problems of 90 days).

    Each term also lists the problems holding it, so the problems sharing words with a new
    one are counted from those lists (in C, by Counter) instead of intersecting the new
    problem's terms with every open problem's one by one.
    """

    SIZE = 20_000

    def __init__(self) -> None:
        self._sets: dict[int, frozenset[str]] = {}
        self._holding: dict[str, set[int]] = {}  # term -> ids of the reports that have it
        self._lock = threading.Lock()  # adds may come from the writer thread and the loop

    def missing(self, ids: Sequence[int]) -> list[int]:
        """The ids among these whose terms are not kept."""
        return [i for i in ids if i not in self._sets]

    def add(self, texts: dict[int, str]) -> None:
        """Keep the terms of `texts` (report id -> search text)."""
        with self._lock:
            for i, text in texts.items():
                if i not in self._sets:
                    terms = self._sets[i] = frozenset(text.split())
                    for term in terms:
                        self._holding.setdefault(term, set()).add(i)
            while len(self._sets) > self.SIZE:
                old = next(iter(self._sets))
                for term in self._sets.pop(old):
                    holders = self._holding[term]
                    holders.discard(old)
                    if not holders:
                        del self._holding[term]

    def candidates(self, ids: Sequence[int]) -> list[tuple[int, frozenset[str]]]:
        """(id, terms) of the ids whose terms are kept."""
        sets = self._sets
        return [(i, got) for i in ids if (got := sets.get(i)) is not None]

    def overlaps(
        self, terms: Iterable[str], ids: Sequence[int], min_share: float = 0.0
    ) -> list[tuple[int, int, int]]:
        """(id, number of terms, number shared with `terms`) of the kept ids among `ids`
        that share at least one term and at least `min_share` of `terms`, by id."""
        mine = set(terms)
        shared: Counter[int] = Counter()
        with self._lock:
            for term in mine:
                holders = self._holding.get(term)
                if holders:
                    shared.update(holders)
            n = len(mine) or 1
            wanted = set(ids)
            return sorted((i, len(self._sets[i]), count) for i, count in shared.items()
                          if count / n >= min_share and i in wanted)  # fmt: skip
