"""Similar problems: the same problem reported in other words, from other districts.

Two problems are compared by their search terms (`bot.nlp.terms`: folded content
words plus joined neighbours, so misspellings and Thai digits still meet). The
measure is the Jaccard index of the two term sets; the threshold was chosen on the
labelled pairs in tests/data/similar_pairs.csv (precision and recall in the README).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 0.3
MAX_LINKS = 3  # a notice names at most this many


def similarity(a: Iterable[str], b: Iterable[str]) -> float:
    """Jaccard index of two term sets (0 when either is empty)."""
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)


def most_similar(
    terms: Iterable[str], candidates: Iterable[tuple[int, Iterable[str]]],
    threshold: float = THRESHOLD, limit: int = MAX_LINKS,
) -> list[tuple[int, float]]:  # fmt: skip
    """Candidates at or above the threshold, most similar first (ties: the older first)."""
    mine = set(terms)
    scored = [(cid, similarity(mine, other)) for cid, other in candidates]
    kept = [(cid, round(score, 3)) for cid, score in scored if score >= threshold]
    return sorted(kept, key=lambda p: (-p[1], p[0]))[:limit]


def most_similar_overlaps(
    n: int, overlaps: Iterable[tuple[int, int, int]],
    threshold: float = THRESHOLD, limit: int = MAX_LINKS,
) -> list[tuple[int, float]]:  # fmt: skip
    """`most_similar` from counts: `n` terms of ours and, per candidate, (id, its number of
    terms, how many it shares with ours). Candidates sharing fewer than `threshold` × n of
    our terms need not be given: |A∩B| / |A∪B| <= |A∩B| / |A| (also in floating point,
    division being monotonic), so they score below the threshold."""
    kept = []
    for cid, m, shared in overlaps:
        score = shared / (n + m - shared)
        if score >= threshold:
            kept.append((cid, round(score, 3)))
    kept.sort(key=lambda p: (-p[1], p[0]))
    return kept[:limit]


@dataclass(frozen=True)
class Group:
    """Linked problems shown as one line: the first one's number stands for the group."""

    ids: tuple[int, ...]


def group_linked(ids: Iterable[int], links: Iterable[tuple[int, int]]) -> list[Group]:
    """Problems joined by links into groups (connected components), in order of first id.

    For the daily digest: `groups = group_linked(open_ids, await tx.links_among(open_ids))`,
    then one line per group listing its districts.
    """
    parent = {i: i for i in ids}

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in links:
        if a in parent and b in parent:
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    groups: dict[int, list[int]] = {}
    for i in sorted(parent):
        groups.setdefault(root(i), []).append(i)
    return [Group(tuple(members)) for _, members in sorted(groups.items())]
