"""Storage contract: the same cases on SQLite always and on PostgreSQL when configured.

The `db` fixture (both backends) is in conftest.py; the per-message path is in
test_storage_writer.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.demo import load_demo
from storage.db import current_revision
from storage.store import Store


async def test_migrations_reach_head_and_are_idempotent(db: Store) -> None:
    from storage.db import upgrade

    assert await current_revision(db.engine) is not None
    await upgrade(db.engine)  # a second run changes nothing and does not fail
    async with db.tx() as tx:
        assert len(await tx.list_areas()) == 12


async def test_migrations_match_the_schema_module(db: Store) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from storage.schema import metadata
    from storage.search_index import is_index_object

    def include(obj, name, type_, reflected, compare_to):  # type: ignore[no-untyped-def]
        return not is_index_object(name)  # the full-text index is built by raw DDL

    def diff(sync_conn):  # type: ignore[no-untyped-def]
        context = MigrationContext.configure(sync_conn, opts={"include_object": include})
        return compare_metadata(context, metadata)

    async with db.engine.connect() as conn:
        assert await conn.run_sync(diff) == []


async def test_demo_load_is_idempotent(db: Store) -> None:
    await load_demo(db)
    async with db.tx() as tx:
        assert len(await tx.people_list()) == 4
        assert len(await tx.list_areas()) == 12


async def test_times_come_back_aware_utc(db: Store) -> None:
    async with db.tx() as tx:
        ident = await tx.ensure_identity("line", "U1")
        later = datetime(2026, 11, 21, 10, 0, tzinfo=UTC) + timedelta(hours=1)
        await tx.update_identity(ident.id, locked_until=later)
        got = await tx.identity("line", "U1")
    assert got is not None and got.locked_until == later
    assert got.locked_until.tzinfo is not None


async def test_inbox_dedupes_by_channel_and_event(db: Store) -> None:
    async with db.tx() as tx:
        first = await tx.inbox_add("line", "ev-1", "{}")
        again = await tx.inbox_add("line", "ev-1", "{}")
        other_channel = await tx.inbox_add("telegram", "ev-1", "{}")
    assert first is not None and again is None and other_channel is not None
    async with db.tx() as tx:
        assert [i for i, _ in await tx.inbox_pending()] == [first, other_channel]
        assert await tx.inbox_done(first) is True
        assert await tx.inbox_done(first) is False  # a second worker loses the race
        assert [i for i, _ in await tx.inbox_pending()] == [other_channel]


async def test_outbox_dedupe_claim_retry_and_block(db: Store) -> None:
    async with db.tx() as tx:
        a = await tx.enqueue("telegram", "42", "[]", "digest:1:2026-11-21")
        dup = await tx.enqueue("telegram", "42", "[]", "digest:1:2026-11-21")
        b = await tx.enqueue("telegram", "43", "[]", "digest:2:2026-11-21")
    assert a is not None and dup is None and b is not None
    async with db.tx() as tx:
        claimed = await tx.claim_due("telegram", 10, "host:run")
        assert {r.id for r in claimed.rows} == {a, b}
        assert (await tx.claim_due("telegram", 10, "host:run")).rows == []  # leased
        await tx.outbox_delivered([a])
        await tx.outbox_later([b], tx.now(), "throttled")
    async with db.tx() as tx:
        again = await tx.claim_due("telegram", 10, "host:run")
        assert [r.id for r in again.rows] == [b] and again.rows[0].attempts == 2
        assert again.rows[0].failing_since is not None
        await tx.ensure_identity("telegram", "43")
        await tx.block_recipient("telegram", "43")
        assert (await tx.identity("telegram", "43")).active is False  # type: ignore[union-attr]
        assert await tx.outbox_counts() == {"sent": 1, "blocked": 1}


async def test_outbox_multicast_groups_are_fixed_and_leases_taken_back(db: Store) -> None:
    async with db.tx() as tx:
        for i in range(5):
            await tx.enqueue("line", f"U{i}", '[{"text":"same"}]', f"n:{i}")
        await tx.enqueue("line", "U9", '[{"text":"other"}]', "n:9")
    async with db.tx() as tx:
        claimed = await tx.claim_due("line", 3, "host:run", multicast=True)
        ((key, group),) = claimed.groups.items()
        assert len(group) == 3  # identical payloads, grouped within the claim
    async with db.tx() as tx:
        assert await tx.lease_owners() == ["host:run"]
        assert await tx.reclaim_leases(["other:worker"]) == 0
        assert await tx.reclaim_leases(["host:run"]) == 3  # due now, same group, same key
        grouped = {r.id for r in group}
        others = [r["id"] for r in await tx.outbox_rows() if r["id"] not in grouped]
        await tx.outbox_delivered(others)
        again = await tx.claim_due("line", 1, "host:run", multicast=True)
        assert list(again.groups) == [key]  # the whole group although the limit was 1
        assert sorted(r.id for r in again.groups[key]) == sorted(r.id for r in group)
        await tx.outbox_dead([r.id for r in group], "gave up")
        assert [d.id for d in await tx.dead_rows()] == sorted(r.id for r in group)
        assert await tx.requeue_dead() == 3
        assert await tx.outbox_counts() == {"pending": 3, "sent": 3}


async def test_rollback_leaves_nothing_half_written(db: Store) -> None:
    with pytest.raises(RuntimeError):
        async with db.tx() as tx:
            person = await tx.create_person("ลองดู", "coordinator", [])
            await tx.save_conversation(person, "progress", "text", {"text": "x"})
            raise RuntimeError("crash mid-message")
    async with db.tx() as tx:
        assert [p.name for p in await tx.people_list()].count("ลองดู") == 0


async def test_reports_scope_and_export(db: Store) -> None:
    async with db.tx() as tx:
        ptn01 = await tx.area_by_code("PTN01")
        yla01 = await tx.area_by_code("YLA01")
        assert ptn01 and yla01
        pid = await tx.create_person("ทดสอบ", "coordinator", [["area", ptn01.id]])
        for area in (ptn01, yla01):
            await tx.insert_report(
                kind="obstacle", person_id=pid, area_id=area.id, raw_text="งบประมาณล่าช้า",
                norm_text="งบประมาณล่าช้า", tokens=["งบประมาณ", "ล่าช้า"], category="budget",
                severity="high", status="open", channel="line",
            )  # fmt: skip
        pattani = await tx.find_province("Pattani")
        in_pattani = [a.id for a in await tx.list_areas() if a.province_id == pattani]
        rows = await tx.reports_in_areas(in_pattani, kind="obstacle", statuses=("open",))
        assert [r.area_code for r in rows] == ["PTN01"]
        exported = await tx.export_reports()
        assert [r.area_code for r in exported] == ["PTN01", "YLA01"]
        assert exported[0].province == "ปัตตานี" and exported[0].reporter == "ทดสอบ"
        overseers = await tx.overseers_of(ptn01.id)
        assert {p.role for p in overseers} == {"supervisor", "admin"}
        assert [p.role for p in await tx.overseers_of(yla01.id)] == ["admin"]


async def test_conversation_state_round_trips(db: Store) -> None:
    draft = {"text": "จัดเวทีรับฟังปัญหา ๓๐ คน", "photos": ["line:1"], "area_id": 1}
    async with db.tx() as tx:
        pid = await tx.create_person("ทดสอบ", "coordinator", [])
        await tx.save_conversation(pid, "progress", "participants", draft)
    async with db.tx() as tx:
        conv = await tx.conversation(pid)
    assert conv is not None and conv.state == "participants" and conv.data == draft


async def test_nested_transaction_in_one_task_fails_loudly(db: Store) -> None:
    if db.dialect != "sqlite":
        pytest.skip("only SQLite takes its write lock at BEGIN")
    async with db.tx():
        with pytest.raises(RuntimeError, match="inside another transaction"):
            async with db.tx():
                pass
        with pytest.raises(RuntimeError, match=r"store.run\(\) called inside store.tx\(\)"):
            await db.run(lambda tx: tx.list_areas())


async def test_rows_for_a_blocked_identity_are_not_claimed(db: Store) -> None:
    async with db.tx() as tx:
        ident = await tx.ensure_identity("telegram", "99")
        queued = await tx.enqueue("telegram", "99", "[]", "notice:1")
        await tx.update_identity(ident.id, active=False)  # blocked after it was queued
    async with db.tx() as tx:
        assert (await tx.claim_due("telegram", 10, "host:run")).rows == []
        assert [r["status"] for r in await tx.outbox_rows() if r["id"] == queued] == ["blocked"]
