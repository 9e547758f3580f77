"""Thai search over reports: the same terms as storage, ranked, within the searcher's scope.

A query is normalised and turned into terms exactly as a stored report is
(`bot.nlp.terms`), so Thai digits equal Arabic ones and the normaliser's spelling
repairs apply to both sides. The index (FTS5 / PostgreSQL full text) finds reports
holding any term; they are ranked by how much of the query they cover (a longer
matched term, such as a whole phrase, counts more), newest first among equals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import nlp
from bot.nlp.terms import search_terms, term_weight
from storage.queries_search import Hit
from storage.store import Tx

PAGE = 10


@dataclass(frozen=True)
class Ranked:
    """A found report and its score."""

    id: int
    created_at: datetime
    score: int


def query_terms(query: str) -> tuple[str, ...]:
    """The terms a typed query searches for."""
    return search_terms(nlp.normalize(query))


def _score(terms: tuple[str, ...], hit: Hit) -> int:
    matched = [t for t in terms if t in hit.terms]
    # A term inside a longer matched one (งบ in งบประมาน) adds nothing new.
    kept = [t for t in matched if not any(t != o and t in o for o in matched)]
    return sum(term_weight(t) for t in kept)


async def scope_areas(tx: Tx, person_id: int) -> list[int] | None:
    """The areas a person may search (None: everything, for an 'all' scope)."""
    if any(kind == "all" for kind, _ in await tx.scope_of(person_id)):
        return None
    return await tx.area_ids_of(person_id)


async def search(
    tx: Tx, query: str, person_id: int | None, since: datetime | None = None
) -> list[Ranked]:
    """Every matching report the person may see (None: no scope limit, the CLI without --as)."""
    terms = query_terms(query)
    areas = None if person_id is None else await scope_areas(tx, person_id)
    if areas is not None and not areas:
        return []
    hits = await tx.search_matches(terms, areas, since)
    ranked = [Ranked(h.id, h.created_at, _score(terms, h)) for h in hits]
    return sorted(
        (r for r in ranked if r.score > 0),
        key=lambda r: (-r.score, -r.created_at.timestamp(), -r.id),
    )
