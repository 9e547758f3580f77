"""The per-message path, `Store.run`: on SQLite and PostgreSQL (the `db` fixture), then
SQLite's writer thread against other processes: a held write lock and a crash mid-batch.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from bot.messages import Incoming
from bot.runtime import Runtime
from storage.queries_proactive import Reachable
from storage.store import Store, Tx
from storage.writer import MAX_BATCH
from tests.databases import sqlite_only

ROOT = Path(__file__).resolve().parents[1]


async def _held(db: Store) -> tuple[Callable[[], None], Awaitable[Any]]:
    """Keep the writer busy until released, so that the jobs queued meanwhile form batches.

    On SQLite the job blocks the writer thread; on PostgreSQL the batching task only runs
    once the submitting tasks yield, so nothing needs holding there.
    """
    if db.dialect != "sqlite":
        return (lambda: None), asyncio.sleep(0)
    started, release = threading.Event(), threading.Event()

    async def gate(tx: Tx) -> None:
        started.set()
        release.wait(30)

    task = asyncio.ensure_future(db.run(gate))
    await asyncio.to_thread(started.wait, 30)
    return release.set, task


async def _new_person(db: Store, name: str) -> int:
    async with db.tx() as tx:
        return await tx.create_person(name, "coordinator", [])


async def test_jobs_waiting_together_share_a_commit_and_keep_their_order(db: Store) -> None:
    pid = await _new_person(db, "ลำดับ")

    async def append(n: int, tx: Tx) -> int:
        conv = await tx.conversation(pid)
        seen = conv.data["seen"] if conv else []
        await tx.save_conversation(pid, "progress", "text", {"seen": [*seen, n]})
        return n

    release, held = await _held(db)
    before = db.writer.commits
    jobs = [asyncio.ensure_future(db.run(partial(append, n))) for n in range(40)]
    await asyncio.sleep(0)
    release()
    await held
    assert await asyncio.gather(*jobs) == list(range(40))
    # Each job saw the ones before it, in the order they were submitted...
    async with db.tx() as tx:
        conv = await tx.conversation(pid)
    assert conv is not None and conv.data["seen"] == list(range(40))
    # ...and they took a few commits, not forty (the first may be the gate's).
    assert db.writer.commits - before <= 1 + -(-40 // MAX_BATCH)


async def test_an_urgent_job_goes_ahead_of_queued_messages(db: Store) -> None:
    # A webhook's inbox write: the platform waits on it for its 200 while a burst of
    # messages is queued. It runs in the next batch, ahead of them; urgent jobs keep their order.
    order: list[str] = []

    async def note(name: str, tx: Tx) -> str:
        order.append(name)
        return name

    release, held = await _held(db)
    jobs = [asyncio.ensure_future(db.run(partial(note, f"m{n}"))) for n in range(40)]
    await asyncio.sleep(0)  # the messages are queued first
    jobs += [asyncio.ensure_future(db.run(partial(note, f"u{n}"), urgent=True)) for n in range(3)]
    await asyncio.sleep(0)
    release()
    await held
    assert await asyncio.gather(*jobs) == [f"m{n}" for n in range(40)] + ["u0", "u1", "u2"]
    # SQLite: the held writer takes them first. PostgreSQL: its batching task may have
    # taken one batch already; they go in the next.
    first = order.index("u0")
    assert order[first : first + 3] == ["u0", "u1", "u2"]
    assert first == 0 if db.dialect == "sqlite" else first <= MAX_BATCH
    assert [n for n in order if n.startswith("m")] == [f"m{n}" for n in range(40)]


async def test_a_failing_job_fails_alone_and_leaves_nothing(db: Store) -> None:
    async def add(name: str, tx: Tx) -> int:
        return await tx.create_person(name, "coordinator", [])

    async def bad(tx: Tx) -> int:
        await tx.create_person("ครึ่งทาง", "coordinator", [])
        raise ValueError("cannot read this message")

    release, held = await _held(db)
    jobs = [
        asyncio.ensure_future(db.run(job))
        for job in (partial(add, "ก่อน"), bad, partial(add, "หลัง"))
    ]
    await asyncio.sleep(0)
    release()
    await held
    first, failed, last = await asyncio.gather(*jobs, return_exceptions=True)
    assert isinstance(first, int) and isinstance(last, int)
    assert isinstance(failed, ValueError)
    async with db.tx() as tx:
        names = [p.name for p in await tx.people_list()]
    assert "ก่อน" in names and "หลัง" in names and "ครึ่งทาง" not in names


async def test_a_result_comes_back_only_once_committed(db: Store) -> None:
    pid = await db.run(lambda tx: tx.create_person("บันทึกแล้ว", "coordinator", []))
    async with db.tx() as tx:  # another connection sees it
        assert any(p.id == pid for p in await tx.people_list())


async def test_the_per_message_path_and_sqlalchemy_read_each_others_rows(db: Store) -> None:
    # On SQLite the per-message statements bypass SQLAlchemy; the stored form must match.
    at = datetime(2026, 11, 30, 9, 15, 30, 120000, tzinfo=UTC)
    db.clock = lambda: at
    pid = await _new_person(db, "สองทาง")
    draft = {"text": "ประชุม ๓๐ คน", "participants": 30, "photos": ["line:1"], "ok": True}
    await db.run(lambda tx: tx.save_conversation(pid, "progress", "participants", draft))
    async with db.tx() as tx:
        conv = await tx.conversation(pid)
        ident = await tx.ensure_identity("line", "U-both")
        await tx.update_identity(ident.id, person_id=pid, locked_until=at, last_seen_at=at)
    assert conv is not None and (conv.data, conv.updated_at) == (draft, at)

    async def per_message(tx: Tx) -> tuple[Any, ...]:
        ident, person = await tx.identity_and_person("line", "U-both")
        conv = await tx.conversation(pid)
        row = await tx.enqueue_row("line", "U-both", "[]", "reply:line:e1")
        inbox = await tx.inbox_add("line", "e1", "{}", processed=True)
        return ident, person, conv, row, inbox, await tx.areas_of_person(supervisor)

    async with db.tx() as tx:  # a supervisor of a province (both ways in must agree)
        pattani = await tx.find_province("Pattani")
        supervisor = await tx.create_person("ดูแล", "supervisor", [["province", pattani]])
        expected = await tx.areas_of_person(supervisor)
    ident, person, conv, row, inbox, areas = await db.run(per_message)
    assert areas == expected and len(areas) > 1
    assert (ident.locked_until, ident.last_seen_at, ident.active) == (at, at, True)
    assert person is not None and person.id == pid and person.active is True
    assert conv.data == draft and conv.updated_at == at
    assert row is not None and inbox is not None
    async with db.tx() as tx:  # due now, by SQLAlchemy's comparison of stored times
        assert [r.id for r in (await tx.claim_due("line", 10, "test")).rows] == [row.id]
        assert await tx.inbox_pending() == []
        assert await tx.inbox_add("line", "e1", "{}") is None
    await db.run(lambda tx: tx.outbox_delivered([row.id]))  # the per-message acknowledgement
    async with db.tx() as tx:
        [sent] = [r for r in await tx.outbox_rows() if r["id"] == row.id]
        assert (sent["status"], sent["sent_at"], sent["reply_token"]) == ("sent", at, None)
        assert await tx.outbox_counts() == {"sent": 1}


async def test_a_problems_index_links_and_notices_from_the_message_path_read_back(
    db: Store,
) -> None:
    # A new problem's confirmation writes its index entry, links and notices on the per-
    # message path (raw sqlite3 on SQLite); SQLAlchemy must read them, and the other way round.
    at = datetime(2026, 11, 30, 9, 15, 30, 120000, tzinfo=UTC)
    db.clock = lambda: at
    pid = await _new_person(db, "ผู้แจ้ง")

    async def report(terms: str, tx: Tx) -> int:
        return await tx.insert_report(
            kind="obstacle", person_id=pid, area_id=None, raw_text=terms, norm_text=terms,
            tokens=terms.split(), category="other", severity="high", participants=None,
            status="open", channel="line", event_id=None, search_text=terms,
        )  # fmt: skip

    async with db.tx() as tx:
        older = await report("ถนน ขาด น้ำท่วม", tx)
    newer = await db.run(partial(report, "ถนน ขาด ฝนตก"))
    who = Reachable(pid, "th", "line", "U-notice")
    until = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)

    async def confirm(tx: Tx) -> tuple[Any, ...]:
        await tx.add_links(newer, [(older, 0.5)])
        await tx.add_links(newer, [(older, 0.5)])  # linked before: left as it is
        notice = await tx.enqueue_notice(who, "[]", f"notice:obstacle:{newer}:{pid}",
                                         not_after=until, tag="problem")  # fmt: skip
        return notice, await tx.linked(newer), await tx.linked(older)

    notice, from_newer, from_older = await db.run(confirm)
    assert (from_newer, from_older) == ([(older, None)], [(newer, None)])
    async with db.tx() as tx:
        assert await tx.linked(newer) == from_newer and await tx.linked(older) == from_older
        hits = await tx.search_matches(("ฝนตก",), None, None)
        assert [h.id for h in hits] == [newer]
        assert await tx.enqueue_notice(who, "[]", f"notice:obstacle:{newer}:{pid}") is None
        [row] = await tx.outbox_rows()
    assert notice is not None and row["id"] == notice
    assert (row["status"], row["attempts"], row["next_attempt_at"], row["created_at"]) == (
        "pending", 0, at, at)  # fmt: skip
    assert (row["not_after"], row["tag"], row["person_id"], row["reply_token"]) == (
        until, "problem", pid, None)  # fmt: skip
    assert (
        await db.run(lambda tx: tx.enqueue_notice(who, "[]", f"notice:obstacle:{newer}:{pid}"))
        is None
    )


async def test_transactions_off_the_message_path_take_turns_with_a_busy_writer(
    db: Store,
) -> None:
    async def note(n: int, tx: Tx) -> str:
        return await tx.kv_set_default(f"run-{n}", "x")

    runs = [asyncio.ensure_future(db.run(partial(note, n))) for n in range(300)]
    for n in range(20):  # each waits its turn between two of the writer's batches
        async with db.tx() as tx:
            await tx.kv_set_default(f"tx-{n}", "y")
    assert await asyncio.gather(*runs) == ["x"] * 300


# --- SQLite's writer thread against other processes --------------------------------

_HOLDER = """
import sqlite3, sys
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO settings_kv (key, value) VALUES ('holder', 'x')")
print("locked", flush=True)
sys.stdin.readline()
conn.execute("COMMIT")
"""


def _sqlite_path(store: Store) -> str:
    url = str(store.engine.url)
    return url.split("///", 1)[1]


@sqlite_only
async def test_the_loop_keeps_running_while_another_process_holds_the_write_lock(
    runtime: Runtime,
) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _HOLDER, _sqlite_path(runtime.store),
        stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdin is not None
        assert await asyncio.wait_for(holder.stdout.readline(), 30) == b"locked\n"
        message = Incoming(channel="console", user_id="u1", kind="text", text="/start")
        task = asyncio.ensure_future(runtime.inbound.receive(message))
        # The message waits for the lock in the writer thread; the loop runs on.
        longest, last = 0.0, time.monotonic()
        for _ in range(200):
            await asyncio.sleep(0)
            now = time.monotonic()
            longest, last = max(longest, now - last), now
        assert not task.done()
        assert longest < 0.5  # on the loop, the wait would have lasted the busy timeout
        holder.stdin.write(b"go\n")
        await holder.stdin.drain()
        queued = await asyncio.wait_for(task, 30)
    finally:
        if holder.returncode is None:
            holder.kill()
        await holder.wait()
    assert len(queued) == 1
    async with runtime.store.tx() as tx:
        assert await tx.kv_get("holder") == "x"  # the other process's write went in too


@pytest.mark.slow
def test_killing_the_writer_mid_batch_loses_nothing_and_half_writes_nothing(
    tmp_path: Path,
) -> None:
    db = tmp_path / "crash.db"
    env = {**os.environ, "PYTHAINLP_OFFLINE": "1"}
    child = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "writer_crash_child.py"), str(db)],
        env=env, cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    assert child.returncode == -signal.SIGKILL, child.stderr.decode()[-2000:]
    with sqlite3.connect(db) as conn:
        inbox = conn.execute("select count(*), count(processed_at) from inbox").fetchone()
        replies = conn.execute("select count(*) from outbox").fetchone()[0]
        people_seen = conn.execute(
            "select count(*) from identities where external_id like 'crash-%'"
        ).fetchone()[0]
    # Accepted before the crash: all ten; processed in the killed batch: none of them.
    assert inbox == (10, 0) and replies == 0 and people_seen == 0
    recovered = subprocess.run(
        [sys.executable, str(ROOT / "tests" / "writer_crash_child.py"), str(db), "--recover"],
        env=env, cwd=ROOT, capture_output=True, timeout=120,
    )  # fmt: skip
    assert recovered.returncode == 0, recovered.stderr.decode()[-2000:]
    assert recovered.stdout.split()[-1] == b"10"
    with sqlite3.connect(db) as conn:
        inbox = conn.execute("select count(*), count(processed_at) from inbox").fetchone()
        keys = [k for (k,) in conn.execute("select dedupe_key from outbox")]
    assert inbox == (10, 10)
    assert len(keys) == len(set(keys)) == 10  # one reply per event, none twice
