"""Retention and erasure: remove free text, photos and precise locations, keep the counts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, and_, delete, func, or_, select, text, update

from storage.schema import (
    conversations,
    identities,
    inbox,
    invite_misses,
    invites,
    meeting_invitees,
    outbox,
    people,
    person_scopes,
    report_history,
    reports,
)
from storage.search_index import FTS_TABLE

if TYPE_CHECKING:
    from storage.store import Tx

REDACTED_PAYLOAD = "{}"  # an inbox row whose message was removed (never read again)
REDACTED_MESSAGES = "[]"  # an outbox row whose messages were removed


@dataclass(frozen=True)
class Redaction:
    """What a retention pass or an erasure removed (or would remove)."""

    reports: int = 0
    texts: int = 0
    photos: int = 0
    locations: int = 0
    inbox: int = 0
    outbox: int = 0
    photo_refs: tuple[str, ...] = ()


_REPORT_CLEARED: dict[str, Any] = {
    "raw_text": "", "norm_text": "", "tokens": [], "photos": [], "latitude": None,
    "longitude": None, "search_text": None,
}  # fmt: skip


class PrivacyQueries:
    """Queries that remove personal data; counts, categories, areas and dates stay."""

    async def _report_redaction(
        self: Tx, where: ColumnElement[bool], apply: bool, quoted: list[str] | None = None
    ) -> Redaction:
        rows = (
            await self.conn.execute(
                select(
                    reports.c.id, reports.c.raw_text, reports.c.photos, reports.c.latitude
                ).where(where, reports.c.redacted_at.is_(None))
            )
        ).all()
        refs = tuple(ref for r in rows for ref in (r.photos or []))
        found = Redaction(
            reports=len(rows),
            texts=sum(1 for r in rows if r.raw_text),
            photos=len(refs),
            locations=sum(1 for r in rows if r.latitude is not None),
            photo_refs=refs,
        )
        if quoted is not None:
            quoted.extend(r.raw_text for r in rows if r.raw_text)
        if apply and rows:
            ids = [r.id for r in rows]
            await self.conn.execute(
                update(reports).where(reports.c.id.in_(ids))
                .values(**_REPORT_CLEARED, redacted_at=self.now())
            )  # fmt: skip
            # Notes and photos of the problem's follow-up are free text about it too.
            await self.conn.execute(
                update(report_history).where(report_history.c.report_id.in_(ids))
                .values(note=None, photo=None)
            )  # fmt: skip
            await self._unindex(ids)
        return found

    async def _unindex(self: Tx, ids: list[int]) -> None:
        """Drop reports from SQLite's search index and merge it, so no old terms remain."""
        if self.dialect != "sqlite":
            return  # PostgreSQL indexes reports.search_text itself
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ", ".join(f":i{n}" for n in range(len(chunk)))
            await self.conn.execute(
                text(f"DELETE FROM {FTS_TABLE} WHERE rowid IN ({marks})"),
                {f"i{n}": i for n, i in enumerate(chunk)},
            )
        await self.conn.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))

    async def expire_reports(self: Tx, cutoff: datetime, *, apply: bool) -> Redaction:
        """Reports created before `cutoff` lose text, photos and location (or just count)."""
        return await self._report_redaction(reports.c.created_at < cutoff, apply)

    async def expire_transient(
        self: Tx, cutoff: datetime, stale: datetime, *, apply: bool
    ) -> tuple[int, int]:
        """Processed inbox events and sent outbox messages older than `cutoff`, and any
        outbox message older than `stale` (never sent: it never will be), lose their text."""
        if apply:  # why someone could not attend a meeting is free text too
            await self.conn.execute(
                update(meeting_invitees)
                .where(meeting_invitees.c.answered_at < cutoff,
                       meeting_invitees.c.reason.is_not(None))
                .values(reason=None)
            )  # fmt: skip
        old_in = and_(inbox.c.processed_at < cutoff, inbox.c.payload != REDACTED_PAYLOAD)
        old_out = and_(
            or_(and_(outbox.c.status == "sent", outbox.c.created_at < cutoff),
                outbox.c.created_at < stale),
            outbox.c.payload != REDACTED_MESSAGES,
        )  # fmt: skip
        if not apply:
            n_in = len((await self.conn.execute(select(inbox.c.id).where(old_in))).all())
            n_out = len((await self.conn.execute(select(outbox.c.id).where(old_out))).all())
            return n_in, n_out
        res_in = await self.conn.execute(
            update(inbox).where(old_in).values(payload=REDACTED_PAYLOAD)
        )
        res_out = await self.conn.execute(
            update(outbox).where(old_out).values(payload=REDACTED_MESSAGES)
        )
        return res_in.rowcount, res_out.rowcount

    async def erase_person(self: Tx, person_id: int, name: str) -> Redaction:
        """Remove a person's name, identities, messages, text, photos and locations."""
        texts: list[str] = []
        found = await self._report_redaction(reports.c.person_id == person_id, True, texts)
        n_quoted = await self._erase_quotes(texts)
        idents = (
            await self.conn.execute(
                select(identities.c.id, identities.c.channel, identities.c.external_id).where(
                    identities.c.person_id == person_id
                )
            )
        ).all()
        n_in, n_out = 0, n_quoted
        mine = await self.conn.execute(
            update(outbox).where(outbox.c.person_id == person_id)
            .values(payload=REDACTED_MESSAGES, recipient="erased")
        )  # fmt: skip
        n_out += mine.rowcount
        for ident in idents:
            n_in += await self._erase_inbox(ident.channel, ident.external_id)
            mine = and_(outbox.c.channel == ident.channel, outbox.c.recipient == ident.external_id)
            res = await self.conn.execute(
                update(outbox).where(mine, outbox.c.status.in_(("pending", "sending")))
                .values(status="blocked", payload=REDACTED_MESSAGES)
            )  # fmt: skip
            res2 = await self.conn.execute(
                update(outbox).where(mine).values(payload=REDACTED_MESSAGES, recipient="erased")
            )
            n_out += max(res.rowcount, res2.rowcount)
        ids = [i.id for i in idents]
        if ids:
            await self.conn.execute(
                delete(invite_misses).where(invite_misses.c.identity_id.in_(ids))
            )
            await self.conn.execute(delete(identities).where(identities.c.id.in_(ids)))
        await self.conn.execute(
            update(report_history).where(report_history.c.person_id == person_id)
            .values(note=None, photo=None)
        )  # fmt: skip
        await self.conn.execute(
            update(meeting_invitees).where(meeting_invitees.c.person_id == person_id)
            .values(reason=None)
        )  # fmt: skip
        await self.conn.execute(delete(conversations).where(conversations.c.person_id == person_id))
        await self.conn.execute(delete(person_scopes).where(person_scopes.c.person_id == person_id))
        await self.conn.execute(
            update(invites)
            .where((invites.c.used_by == person_id) | (invites.c.person_id == person_id))
            .values(name=None)
        )
        await self.conn.execute(
            update(people)
            .where(people.c.id == person_id)
            .values(name=name, active=False, erased_at=self.now())
        )
        return Redaction(found.reports, found.texts, found.photos, found.locations, n_in, n_out,
                         found.photo_refs)  # fmt: skip

    async def _erase_quotes(self: Tx, texts: list[str]) -> int:
        """Messages to others that quote these report texts (supervisor notices) lose their text."""
        count = 0
        for quoted in texts:
            first = quoted.strip().splitlines()[0][:20] if quoted.strip() else ""
            if len(first) < 8:  # too short to tell a quote from a coincidence
                continue
            needle = json.dumps(first, ensure_ascii=False)[1:-1]
            res = await self.conn.execute(
                update(outbox)
                .where(outbox.c.payload.like("%" + _escape_like(needle) + "%", escape="\\"))
                .values(payload=REDACTED_MESSAGES)
            )
            count += res.rowcount
        return count

    async def _erase_inbox(self: Tx, channel: str, external_id: str) -> int:
        # Inbox payloads are Incoming JSON written with separators (",", ":"), so the
        # sender's id appears exactly as below; the parse confirms each candidate.
        needle = json.dumps({"user_id": external_id}, ensure_ascii=False, separators=(",", ":"))
        pattern = "%" + _escape_like(needle[1:-1]) + "%"
        rows = await self.conn.execute(
            select(inbox.c.id, inbox.c.payload).where(
                inbox.c.channel == channel, inbox.c.payload.like(pattern, escape="\\")
            )
        )
        ids = []
        for row in rows.all():
            try:
                if json.loads(row.payload).get("user_id") == external_id:
                    ids.append(row.id)
            except ValueError:
                continue
        if ids:
            await self.conn.execute(
                update(inbox)
                .where(inbox.c.id.in_(ids))
                .values(payload=REDACTED_PAYLOAD,
                        processed_at=func.coalesce(inbox.c.processed_at, self.now()))
            )  # fmt: skip
        return len(ids)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
