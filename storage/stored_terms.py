"""Open problems' search terms as sets, kept by the store between new problems."""

from __future__ import annotations

import threading
from collections.abc import Sequence


class StoredTerms:
    """Open problems' term sets, kept between confirmations (one per Store).

    Every new problem is compared with every open one of the last 90 days; reading and
    splitting all their stored terms each time cost ~1 ms per new problem at a few hundred
    open. A problem's terms (reports.search_text) are written once, when it is reported,
    and only ever cleared (erasure), so (id, length of its search text) identifies them:
    only problems not seen yet, or changed, are read.  Bounded, oldest out first.
    """

    SIZE = 20_000

    def __init__(self) -> None:
        self._sets: dict[tuple[int, int], frozenset[str]] = {}
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
                    self._sets[i, n] = frozenset(text.split())
            while len(self._sets) > self.SIZE:
                del self._sets[next(iter(self._sets))]

    def candidates(self, keys: Sequence[tuple[int, int]]) -> list[tuple[int, frozenset[str]]]:
        """(id, terms) of the keys whose terms are kept."""
        sets = self._sets
        return [(i, got) for i, n in keys if (got := sets.get((i, n))) is not None]
