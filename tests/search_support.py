"""Stores reports straight through storage, as the flows do (text, NLP, search terms)."""

from __future__ import annotations

from datetime import datetime

from bot import nlp
from bot.nlp.terms import search_terms
from storage.store import Store


async def person_id(store: Store, console_name: str) -> int:
    """A demo person's id by their console name."""
    async with store.tx() as tx:
        ident = await tx.identity("console", console_name)
        assert ident is not None and ident.person_id is not None
        return ident.person_id


async def add_report(
    store: Store, text: str, area: str, *, by: str = "somchai", kind: str = "obstacle",
    at: datetime | None = None, status: str = "open", severity: str | None = "medium",
) -> int:  # fmt: skip
    """Store a report the way `store_report` does; returns its number."""
    a = nlp.analyze(text)
    pid = await person_id(store, by)
    async with store.tx() as tx:
        found = await tx.area_by_code(area)
        assert found is not None
        values = dict(
            kind=kind, person_id=pid, area_id=found.id, raw_text=text, norm_text=a.normalized,
            tokens=list(a.tokens), category=a.category, severity=severity, participants=None,
            status=status, channel="console", event_id=None,
            search_text=" ".join(search_terms(a.normalized)),
        )  # fmt: skip
        if at is not None:
            values["created_at"] = at
        return await tx.insert_report(**values)
