"""The statements every inbound message runs, as plain SQL on the writer's sqlite3 connection.

They run in the writer thread's transaction, next to SQLAlchemy on the same connection
(which serves every other query).  Through SQLAlchemy a prepared statement costs ~20 µs
of Python; through the sqlite3 cursor ~2 µs.  Values are stored exactly as SQLAlchemy
stores them (times as naive UTC "YYYY-MM-DD HH:MM:SS.ffffff", JSON through json.dumps,
booleans as 0/1), so either side reads what the other wrote; a test checks it.
benchmarks/bench_floor.py replays these same statements as the physical floor.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from typing import Any

IDENTITY_PERSON = (
    "SELECT i.id, i.channel, i.external_id, i.person_id, i.active, i.failed_codes,"
    " i.locked_until, i.last_seen_at, p.name, p.role, p.language, p.active"
    " FROM identities AS i LEFT OUTER JOIN people AS p ON i.person_id = p.id"
    " WHERE i.channel = ? AND i.external_id = ?"
)
CONVERSATION_GET = "SELECT flow, state, data, updated_at FROM conversations WHERE person_id = ?"
CONVERSATION_PUT = (
    "INSERT INTO conversations (person_id, flow, state, data, updated_at) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (person_id) DO UPDATE SET flow = excluded.flow, state = excluded.state,"
    " data = excluded.data, updated_at = excluded.updated_at"
)
CONVERSATION_CLEAR = "DELETE FROM conversations WHERE person_id = ?"
INBOX_ADD = (
    "INSERT INTO inbox (channel, event_id, payload, received_at, processed_at)"
    " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id"
)
INBOX_DONE = "UPDATE inbox SET processed_at = ? WHERE id = ? AND processed_at IS NULL"
OUTBOX_ADD = (
    "INSERT INTO outbox (channel, recipient, payload, dedupe_key, retry_key, reply_token,"
    " status, attempts, next_attempt_at, created_at, leased_by)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING RETURNING id"
)
OUTBOX_DELIVERED = (
    "UPDATE outbox SET status = 'sent', sent_at = ?, reply_token = NULL, last_error = NULL,"
    " failing_since = NULL WHERE id = ?"
)


AREAS_OF_PERSON = (
    "SELECT DISTINCT areas.id, areas.code, areas.name, areas.district_id,"
    " districts.name_th AS district, districts.name_en AS district_en,"
    " provinces.id AS province_id, provinces.name_th AS province,"
    " provinces.name_en AS province_en"
    " FROM areas JOIN districts ON districts.id = areas.district_id"
    " JOIN provinces ON provinces.id = districts.province_id"
    " JOIN person_scopes ON person_scopes.person_id = ? AND ("
    "person_scopes.scope = 'area' AND person_scopes.ref_id = areas.id"
    " OR person_scopes.scope = 'district' AND person_scopes.ref_id = areas.district_id"
    " OR person_scopes.scope = 'province' AND person_scopes.ref_id = districts.province_id"
    " OR person_scopes.scope = 'all')"
    " WHERE areas.active IS 1 ORDER BY areas.code"
)
NOTICE_ADD = (
    "INSERT INTO outbox (channel, recipient, payload, dedupe_key, retry_key, reply_token,"
    " status, attempts, next_attempt_at, created_at, person_id, tag, not_after)"
    " VALUES (?, ?, ?, ?, ?, NULL, 'pending', 0, ?, ?, ?, ?, ?)"
    " ON CONFLICT DO NOTHING RETURNING id"
)
FTS_ADD = "INSERT INTO reports_fts (rowid, terms) VALUES (?, ?)"
LINKS_ADD = (
    "INSERT INTO report_links (report_id, similar_id, score) VALUES (?, ?, ?)"
    " ON CONFLICT DO NOTHING"
)
LINKED = (
    "SELECT r.id, d.name_th FROM reports AS r LEFT OUTER JOIN areas AS a ON r.area_id = a.id"
    " LEFT OUTER JOIN districts AS d ON a.district_id = d.id WHERE r.id IN ("
    "SELECT similar_id FROM report_links WHERE report_id = ?"
    " UNION SELECT report_id FROM report_links WHERE similar_id = ?) ORDER BY r.id"
)
OPEN_PROBLEM_IDS = (
    "SELECT id FROM reports WHERE kind = 'obstacle' AND status IN ({})"
    " AND created_at >= ? AND id != ? AND redacted_at IS NULL"
)


def ts(value: datetime | None) -> str | None:
    """An aware datetime as SQLAlchemy's SQLite DateTime stores it (naive UTC)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("naive datetime given to the database; store aware UTC")
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def parse_ts(value: str | None) -> datetime | None:
    """A stored time back as an aware UTC datetime."""
    return None if value is None else datetime.fromisoformat(value).replace(tzinfo=UTC)


def identity_person(raw: sqlite3.Connection, channel: str, external_id: str) -> Any:
    """The identity row joined with its person, or None."""
    return raw.execute(IDENTITY_PERSON, (channel, external_id)).fetchone()


def areas_of_person(raw: sqlite3.Connection, person_id: int) -> list[tuple[Any, ...]]:
    """The active areas a person's scope covers, by code (columns as storage.queries_geo.Area)."""
    return raw.execute(AREAS_OF_PERSON, (person_id,)).fetchall()


def conversation(raw: sqlite3.Connection, person_id: int) -> tuple[str, str, Any, datetime] | None:
    """(flow, state, data, updated_at) of the person's conversation, or None."""
    row = raw.execute(CONVERSATION_GET, (person_id,)).fetchone()
    if row is None:
        return None
    updated = parse_ts(row[3])
    assert updated is not None
    return row[0], row[1], json.loads(row[2]), updated


def save_conversation(
    raw: sqlite3.Connection, person_id: int, flow: str, state: str, data: Any, now: datetime
) -> None:
    """Insert or replace the person's conversation."""
    raw.execute(CONVERSATION_PUT, (person_id, flow, state, json.dumps(data), ts(now)))


def clear_conversation(raw: sqlite3.Connection, person_id: int) -> None:
    """Forget the person's conversation."""
    raw.execute(CONVERSATION_CLEAR, (person_id,))


def inbox_add(
    raw: sqlite3.Connection, channel: str, event_id: str, payload: str, now: datetime,
    processed: bool,
) -> int | None:  # fmt: skip
    """Insert an inbox row; its id, or None when (channel, event_id) was there already."""
    stamp = ts(now)
    row = raw.execute(
        INBOX_ADD, (channel, event_id, payload, stamp, stamp if processed else None)
    ).fetchone()
    return None if row is None else int(row[0])


def inbox_done(raw: sqlite3.Connection, inbox_id: int, now: datetime) -> bool:
    """Mark an inbox row processed; False if it already was."""
    return raw.execute(INBOX_DONE, (ts(now), inbox_id)).rowcount == 1


def outbox_add(raw: sqlite3.Connection, values: tuple[Any, ...]) -> int | None:
    """Insert an outbox row (columns as in OUTBOX_ADD); its id, or None on a dedupe clash."""
    row = raw.execute(OUTBOX_ADD, values).fetchone()
    return None if row is None else int(row[0])


def outbox_delivered(raw: sqlite3.Connection, ids: list[int], now: datetime) -> None:
    """Mark outbox rows sent (each reply's acknowledgement: one per message)."""
    stamp = ts(now)
    for i in ids:  # one id per reply; `execute` alone keeps the benchmark's recorder simple
        raw.execute(OUTBOX_DELIVERED, (stamp, i))


def open_problem_ids(
    raw: sqlite3.Connection, statuses: tuple[str, ...], since: datetime, exclude: int
) -> list[int]:
    """Ids of active, unredacted problems since a moment (see queries_tickets)."""
    sql = OPEN_PROBLEM_IDS.format(", ".join("?" * len(statuses)))
    return [i for (i,) in raw.execute(sql, (*statuses, ts(since), exclude))]


def notice_add(
    raw: sqlite3.Connection, channel: str, recipient: str, payload: str, dedupe_key: str,
    retry_key: str, send_at: datetime, now: datetime, person_id: int | None, tag: str | None,
    not_after: datetime | None,
) -> int | None:  # fmt: skip
    """Queue a proactive message (columns as queries_proactive.enqueue_notice); its id, or
    None when its dedupe key was queued before."""
    row = raw.execute(NOTICE_ADD, (channel, recipient, payload, dedupe_key, retry_key,
                                   ts(send_at), ts(now), person_id, tag, ts(not_after))).fetchone()  # fmt: skip
    return None if row is None else int(row[0])


def index_report(raw: sqlite3.Connection, report_id: int, terms: str) -> None:
    """Add a stored report's search terms to the full-text index."""
    raw.execute(FTS_ADD, (report_id, terms))


def add_links(raw: sqlite3.Connection, report_id: int, similar: list[tuple[int, float]]) -> None:
    """Link a problem to similar ones (a pair linked before is left as it is)."""
    for other, score in similar:  # at most three; `execute` keeps the benchmark's recorder simple
        raw.execute(LINKS_ADD, (report_id, other, score))


def linked(raw: sqlite3.Connection, report_id: int) -> list[tuple[int, str | None]]:
    """Problems linked to this one either way, with their district names, by id."""
    return raw.execute(LINKED, (report_id, report_id)).fetchall()
