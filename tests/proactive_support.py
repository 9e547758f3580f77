"""Shared by the reminder and digest tests: people, reports, a moving clock, what was queued."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from bot import nlp
from bot.clock import MovableClock
from bot.messages import Outgoing, load_messages
from bot.runtime import Runtime
from storage.store import Store
from tests.helpers import Chat, make_invite

BKK = ZoneInfo("Asia/Bangkok")


def bkk(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment on the programme's clock."""
    return datetime(year, month, day, hour, minute, tzinfo=BKK)


def pin(runtime: Runtime, when: datetime) -> MovableClock:
    """Put the runtime's store on a movable clock starting at `when`."""
    clock = MovableClock(when)
    runtime.store.clock = clock
    return clock


async def person_id(store: Store, channel: str, user: str) -> int:
    """The person behind a chat account."""
    async with store.tx() as tx:
        ident = await tx.identity(channel, user)
    assert ident is not None and ident.person_id is not None
    return ident.person_id


async def join(
    runtime: Runtime, user: str, role: str = "coordinator", areas: tuple[str, ...] = (),
    scope: list[list[object]] | None = None, name: str = "ทดสอบ", channel: str = "telegram",
) -> tuple[Chat, int]:  # fmt: skip
    """Register someone through the real invite flow; their chat and person id."""
    code = await make_invite(runtime.store, role=role, areas=areas, name=name, scope=scope)
    chat = Chat(runtime, channel, user)
    await chat.send(code)
    return chat, await person_id(runtime.store, channel, user)


async def add_area(runtime: Runtime, code: str, name: str, district: tuple[str, str],
                   province: str) -> None:  # fmt: skip
    """An area in a district that may be outside the 37 in scope (e.g. Hat Yai)."""
    async with runtime.store.tx() as tx:
        pid = await tx.find_province(province)
        assert pid is not None
        did = await tx.upsert_district(pid, *district)
        await tx.upsert_area(code, name, did)


async def report(
    store: Store, pid: int, area: str, when: datetime, *, kind: str = "progress",
    text: str = "จัดเวทีรับฟังปัญหาที่มัสยิด", participants: int | None = None,
    category: str | None = None, severity: str | None = None,
) -> int:  # fmt: skip
    """A report stored as the flows store it, at a given moment."""
    a = nlp.analyze(text)
    async with store.tx() as tx:
        found = await tx.area_by_code(area)
        assert found is not None
        return await tx.insert_report(
            kind=kind, person_id=pid, area_id=found.id, raw_text=text, norm_text=a.normalized,
            tokens=list(a.tokens), category=category, severity=severity,
            participants=participants, status="submitted" if kind == "progress" else "open",
            channel="telegram", created_at=when,
        )  # fmt: skip


async def queued(store: Store, prefix: str) -> dict[str, list[Outgoing]]:
    """Outbox rows whose key starts with `prefix`: key -> messages."""
    async with store.tx() as tx:
        rows = await tx.outbox_rows()
    return {
        r["dedupe_key"]: load_messages(r["payload"])
        for r in rows
        if r["dedupe_key"].startswith(prefix)
    }


def text_of(messages: list[Outgoing]) -> str:
    """All text of some messages."""
    return "\n".join(m.text for m in messages)


def data_of(messages: list[Outgoing]) -> list[str]:
    """The data of every button."""
    return [b.data for m in messages for b in m.buttons]
