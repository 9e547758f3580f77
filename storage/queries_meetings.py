"""Meetings, whom they invite, and their answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from storage.queries_audience import Target, dump_targets, load_targets
from storage.schema import meeting_invitees, meetings, people

if TYPE_CHECKING:
    from storage.store import Tx


@dataclass(frozen=True)
class Meeting:
    """One meeting as stored."""

    id: int
    title: str
    starts_at: datetime
    venue: str
    latitude: float | None
    longitude: float | None
    agenda: str | None
    targets: list[Target]
    created_by: int | None
    created_at: datetime
    status: str  # scheduled | cancelled
    version: int

    @property
    def tag(self) -> str:
        """The outbox tag of its notices."""
        return f"meeting:{self.id}"


@dataclass(frozen=True)
class Invitee:
    """One invited person and their answer."""

    meeting_id: int
    person_id: int
    name: str
    role: str
    invited_at: datetime
    answer: str | None  # yes | no | None (not answered)
    reason: str | None
    answered_at: datetime | None
    notified_version: int | None


def _meeting(m: Any) -> Meeting:
    values = dict(m)
    values["targets"] = load_targets(values["targets"])
    return Meeting(**values)


_INVITEE = select(
    meeting_invitees.c.meeting_id, meeting_invitees.c.person_id, people.c.name, people.c.role,
    meeting_invitees.c.invited_at, meeting_invitees.c.answer, meeting_invitees.c.reason,
    meeting_invitees.c.answered_at, meeting_invitees.c.notified_version,
).select_from(meeting_invitees.join(people, meeting_invitees.c.person_id == people.c.id))  # fmt: skip


class MeetingQueries:
    """Storing meetings and answers."""

    async def create_meeting(
        self: Tx,
        *,
        title: str,
        starts_at: datetime,
        venue: str,
        targets: list[Target],
        agenda: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        created_by: int | None = None,
    ) -> int:
        """Record a meeting and invite everyone its targets reach now."""
        now = self.now()
        res = await self.conn.execute(
            meetings.insert()
            .values(
                title=title, starts_at=starts_at, venue=venue, latitude=latitude,
                longitude=longitude, agenda=agenda, targets=dump_targets(targets),
                created_by=created_by, created_at=now, status="scheduled", version=1,
            )
            .returning(meetings.c.id)
        )  # fmt: skip
        meeting_id = int(res.scalar_one())
        invited = await self.audience(targets)
        if invited:
            await self.conn.execute(
                meeting_invitees.insert(),
                [
                    {"meeting_id": meeting_id, "person_id": pid, "invited_at": now}
                    for pid in invited
                ],
            )
        return meeting_id

    async def meeting(self: Tx, meeting_id: int) -> Meeting | None:
        """One meeting by id."""
        row = (await self.conn.execute(select(meetings).where(meetings.c.id == meeting_id))).first()
        return None if row is None else _meeting(row._mapping)

    async def meetings_list(self: Tx, *, after: datetime | None = None) -> list[Meeting]:
        """Meetings (starting after a moment, if given), soonest first."""
        q = select(meetings).order_by(meetings.c.starts_at, meetings.c.id)
        if after is not None:
            q = q.where(meetings.c.starts_at > after)
        return [_meeting(r._mapping) for r in await self.conn.execute(q)]

    async def meetings_of(
        self: Tx, person_id: int, after: datetime
    ) -> list[tuple[Meeting, Invitee]]:
        """The scheduled meetings a person is invited to that start after a moment."""
        rows = await self.conn.execute(
            select(meetings)
            .join(meeting_invitees, meeting_invitees.c.meeting_id == meetings.c.id)
            .where(
                meeting_invitees.c.person_id == person_id,
                meetings.c.status == "scheduled",
                meetings.c.starts_at > after,
            )
            .order_by(meetings.c.starts_at)
        )
        found = []
        for r in rows:
            m = _meeting(r._mapping)
            invitee = await self.invitee(m.id, person_id)
            assert invitee is not None
            found.append((m, invitee))
        return found

    async def invitees(self: Tx, meeting_id: int) -> list[Invitee]:
        """Everyone invited to a meeting, by name."""
        rows = await self.conn.execute(
            _INVITEE.where(meeting_invitees.c.meeting_id == meeting_id).order_by(people.c.name)
        )
        return [Invitee(*r) for r in rows.all()]

    async def invitee(self: Tx, meeting_id: int, person_id: int) -> Invitee | None:
        """One person's invitation, if they were invited."""
        row = (
            await self.conn.execute(
                _INVITEE.where(
                    meeting_invitees.c.meeting_id == meeting_id,
                    meeting_invitees.c.person_id == person_id,
                )
            )
        ).first()
        return None if row is None else Invitee(*row)

    async def set_answer(
        self: Tx, meeting_id: int, person_id: int, answer: str, reason: str | None = None
    ) -> None:
        """Record (or change) a person's answer."""
        await self.conn.execute(
            update(meeting_invitees)
            .where(
                meeting_invitees.c.meeting_id == meeting_id,
                meeting_invitees.c.person_id == person_id,
            )
            .values(answer=answer, reason=reason, answered_at=self.now())
        )

    async def mark_notified(self: Tx, meeting_id: int, person_ids: list[int], version: int) -> None:
        """Remember which version of the meeting these people were last told about."""
        if person_ids:
            await self.conn.execute(
                update(meeting_invitees)
                .where(
                    meeting_invitees.c.meeting_id == meeting_id,
                    meeting_invitees.c.person_id.in_(person_ids),
                )
                .values(notified_version=version)
            )

    async def change_meeting(self: Tx, meeting_id: int, **values: Any) -> None:
        """Change the time or venue (a new version: invitees get an update notice)."""
        await self.conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting_id)
            .values(version=meetings.c.version + 1, **values)
        )

    async def cancel_meeting(self: Tx, meeting_id: int) -> bool:
        """Cancel a scheduled meeting; False if it was cancelled already."""
        res = await self.conn.execute(
            update(meetings)
            .where(meetings.c.id == meeting_id, meetings.c.status == "scheduled")
            .values(status="cancelled")
        )
        return res.rowcount == 1
