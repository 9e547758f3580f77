"""Retention, erasure, an append-only audit log, export safety, file permissions."""

from __future__ import annotations

import csv
import io
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from bot import access, backup, privacy
from bot.clock import MovableClock
from bot.config import Settings
from bot.export import write_reports
from bot.runtime import Runtime
from storage.audit import audit_entries
from storage.queries_people import Person
from storage.schema import identities, inbox, outbox, people, reports
from tests.helpers import Chat, make_invite

NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)
OLD_TEXT = "จัดเวทีที่บ้านบางปู ZQXOLDREPORT ชาวบ้านมาร่วม 20 คน"
NEW_TEXT = "ถนนในหมู่บ้านขาด ZQXNEWREPORT ชาวบ้านเดินทางลำบาก"


async def send_progress(chat: Chat, words: str, *, location: bool = True) -> None:
    """A progress report with a photo and a location, through the real flow."""
    await chat.press("ส่งความก้าวหน้า")
    await chat.send(words)
    await chat.press("ใช่" if any("ใช่" in b for b in chat.labels) else "ไม่ได้นับ")
    await chat.send(kind="photo", photo="file-9", text=None)
    if location:
        await chat.send(kind="location", latitude=6.87, longitude=101.45)
    await chat.press("เสร็จ")
    await chat.press("ส่ง")
    assert "ขอบคุณ" in chat.text


async def all_rows(runtime: Runtime, table) -> list[dict]:  # type: ignore[no-untyped-def,type-arg]
    async with runtime.store.tx() as tx:
        # In id order: PostgreSQL returns an updated row last without an ORDER BY.
        return [dict(r._mapping) for r in await tx.conn.execute(select(table).order_by(table.c.id))]


async def test_retention_redacts_old_reports_and_keeps_their_counts(runtime: Runtime) -> None:
    clock = MovableClock(NOW - timedelta(days=800))
    runtime.store.clock = clock
    chat = Chat(runtime, "line", "U-keeper")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    await send_progress(chat, OLD_TEXT)
    clock.set(NOW - timedelta(days=10))
    await send_progress(chat, NEW_TEXT, location=False)
    clock.set(NOW)
    async with runtime.store.tx() as tx:
        preview = await privacy.run_retention(tx, tx.now(), 730, apply=False)
    r = preview.reports
    assert (r.reports, r.texts, r.photos, r.locations) == (1, 1, 1, 1)
    assert preview.inbox >= 4  # the old messages in the inbox repeat the report text
    assert preview.cutoff == NOW - timedelta(days=730)
    assert [x["raw_text"] for x in await all_rows(runtime, reports)] == [OLD_TEXT, NEW_TEXT]
    async with runtime.store.tx() as tx:
        done = await privacy.run_retention(tx, tx.now(), 730, apply=True)
        again = await privacy.run_retention(tx, tx.now(), 730, apply=True)
        found = await tx.search_matches(("zqxoldreport",), None, None)
        kept = await tx.search_matches(("zqxnewreport",), None, None)
        logged = await audit_entries(tx, action="retention")
    assert done.reports.reports == 1 and again.reports.reports == 0 and again.inbox == 0
    old, new = await all_rows(runtime, reports)
    assert (old["raw_text"], old["norm_text"], old["tokens"], old["photos"]) == ("", "", [], [])
    assert old["latitude"] is None and old["search_text"] is None and old["redacted_at"]
    assert (old["kind"], old["participants"], old["area_id"]) == ("progress", 20, new["area_id"])
    assert old["created_at"] == NOW - timedelta(days=800)
    assert new["raw_text"] == NEW_TEXT and new["photos"] == ["line:file-9"]
    assert found == [] and [h.id for h in kept] == [new["id"]]
    assert not any("ZQXOLDREPORT" in row["payload"] for row in await all_rows(runtime, inbox))
    assert not any("ZQXOLDREPORT" in row["payload"] for row in await all_rows(runtime, outbox))
    assert any("ZQXNEWREPORT" in row["payload"] for row in await all_rows(runtime, inbox))
    assert logged[0].actor == "system:retention" and logged[0].detail["reports"] == 1
    assert "ZQX" not in str(logged[0].detail)


async def test_erasure_removes_the_person_and_keeps_anonymous_counts(runtime: Runtime,
                                                                     settings: Settings) -> None:  # fmt: skip
    chat = Chat(runtime, "line", "U-erase-me")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",), name="ชื่อจริงZQXNAME"))
    await send_progress(chat, "ประชุมกลุ่มสตรี ZQXERASEME มีผู้เข้าร่วม 15 คน")
    arunee = Chat(runtime, "console", "arunee")  # the supervisor reads it in her lists
    await arunee.send("เมนู")
    await arunee.press("รายงานล่าสุด")
    assert "ZQXERASEME" in arunee.text
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", "U-erase-me")
        assert ident is not None and ident.person_id is not None
        pid = ident.person_id
        done = await privacy.erase_person(tx, "cli:test", pid)
        person = await tx.person(pid)
        exported = await tx.export_reports()
        erased = await audit_entries(tx, action="person_erased")
    assert done is not None and done.reports == 1 and done.locations == 1 and done.photos == 1
    assert person is not None and person.name == "erased" and not person.active
    assert [(r.reporter, r.text, r.kind, r.participants, r.area_code) for r in exported] == [
        ("erased", "", "progress", 15, "PTN01")]  # fmt: skip
    assert erased[0].detail["person_id"] == pid and "ZQX" not in str(erased[0].detail)
    assert [i for i in await all_rows(runtime, identities) if i["person_id"] == pid] == []
    if not settings.DATABASE_URL.startswith("sqlite"):
        return  # the file-level check below reads SQLite's files
    # Nothing of them is left anywhere in the database file, free pages and WAL included.
    backup.checkpoint(Path(settings.DATABASE_URL.split("///", 1)[1]))
    db = Path(settings.DATABASE_URL.split("///", 1)[1])
    raw = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*") if p.is_file())
    for gone in ("ZQXERASEME", "zqxeraseme", "ชื่อจริงZQXNAME", "ประชุมกลุ่มสตรี", "U-erase-me"):
        assert gone.encode() not in raw, gone
    await chat.send("สวัสดี")  # the chat is a stranger now
    assert "รหัสเชิญ" in chat.text


async def test_the_audit_log_refuses_update_and_delete(runtime: Runtime) -> None:
    async with runtime.store.tx() as tx:
        await tx.audit("cli:test", "backup", file="x")
    for statement in ("UPDATE audit_log SET actor = 'someone else'", "DELETE FROM audit_log"):
        with pytest.raises(DBAPIError, match="append-only"):
            async with runtime.store.tx() as tx:
                await tx.conn.execute(text(statement))
    async with runtime.store.tx() as tx:
        assert (await audit_entries(tx))[-1].actor == "cli:test"


def test_no_code_path_updates_or_deletes_audit_entries() -> None:
    root = Path(__file__).resolve().parent.parent
    for folder in ("bot", "handlers", "storage"):
        for path in (root / folder).rglob("*.py"):
            source = path.read_text(encoding="utf-8").replace(" ", "")
            for forbidden in ("update(audit_log", "delete(audit_log", "audit_log.update(",
                              "audit_log.delete(", "UPDATEaudit_log", "DELETEFROMaudit_log"):  # fmt: skip
                assert forbidden not in source, f"{path}: {forbidden}"


def test_cells_that_look_like_formulas_are_escaped(tmp_path: Path) -> None:
    from storage.queries_reports import ReportRow

    evil = ['=HYPERLINK("http://x","คลิก")', "+66812345678", "-5 คน", "@SUM(A1)", "ปกติ"]
    rows = [ReportRow(i, "obstacle", NOW, "PTN01", "บ้านบางปู", "ยะหริ่ง", "ปัตตานี", "=cmd|' /C calc'!A0",
                      t, None, None, None, "open") for i, t in enumerate(evil, 1)]  # fmt: skip
    write_reports(rows, ZoneInfo("Asia/Bangkok"), "csv", str(tmp_path / "r.csv"))
    got = list(csv.DictReader(io.StringIO((tmp_path / "r.csv").read_text("utf-8-sig"))))
    assert [r["text"] for r in got] == ["'" + t for t in evil[:4]] + ["ปกติ"]
    assert {r["reporter"] for r in got} == {"'=cmd|' /C calc'!A0"}
    write_reports(rows, ZoneInfo("Asia/Bangkok"), "xlsx", str(tmp_path / "r.xlsx"))
    book = load_workbook(tmp_path / "r.xlsx")  # a sheet per kind: look at every one
    cells = [c for ws in book.worksheets for row in ws.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)  # not one formula in the workbook
    texts = [str(c.value) for c in cells if c.value is not None]
    assert '\'=HYPERLINK("http://x","คลิก")' in texts and "'-5 คน" in texts


async def test_export_scope_and_location_visibility(runtime: Runtime) -> None:
    async with runtime.store.tx() as tx:
        admin = await tx.person(4)
        supervisor = await tx.person(3)
        coordinator = await tx.person(1)
        assert admin is not None and supervisor is not None and coordinator is not None
        assert await access.export_area_ids(tx, admin) is None
        pattani = {a.id for a in await tx.list_areas() if a.province == "ปัตตานี"}
        assert set(await access.export_area_ids(tx, supervisor) or []) == pattani
        with pytest.raises(access.AccessError):
            await access.export_area_ids(tx, coordinator)
    assert access.can_see_location(admin, reporter_id=1)
    assert access.can_see_location(coordinator, reporter_id=1)
    assert not access.can_see_location(supervisor, reporter_id=1)
    other = Person(9, "x", "coordinator", "th", True)
    assert not access.can_see_location(other, reporter_id=1)


async def test_database_file_and_directory_are_private(tmp_path: Path) -> None:
    from storage.store import Store

    db = tmp_path / "fresh" / "data" / "prasan.db"
    store = await Store.open(f"sqlite+aiosqlite:///{db}")
    try:
        async with store.tx() as tx:
            await tx.kv_set_default("probe", "1")
    finally:
        await store.close()
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(db.parent.parent.stat().st_mode) == 0o700
    for path in db.parent.iterdir():  # the database and any -wal / -shm / .lock beside it
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


async def test_people_rows_keep_no_name_after_erasure(runtime: Runtime) -> None:
    async with runtime.store.tx() as tx:
        await privacy.erase_person(tx, "cli:test", 2)
    names = {p["name"] for p in await all_rows(runtime, people)}
    assert "ฟาตีมะห์ ดอเลาะ" not in names and "erased" in names


async def test_the_daily_retention_job_runs_once_a_day(runtime: Runtime) -> None:
    from bot.jobs import JOBS, RunStatus, run_job

    clock = MovableClock(NOW - timedelta(days=731))
    runtime.store.clock = clock
    chat = Chat(runtime, "telegram", "9001")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    await send_progress(chat, OLD_TEXT)
    clock.set(NOW)
    spec = JOBS["retention"]
    assert spec.cron_setting == "PRASAN_RETENTION_CRON"
    assert runtime.settings.PRASAN_RETENTION_CRON == "30 2 * * *"
    first = await run_job(runtime.store, spec, runtime.settings)
    again = await run_job(runtime.store, spec, runtime.settings)
    assert (first.status, again.status) == (RunStatus.RAN, RunStatus.SKIPPED)
    (row,) = await all_rows(runtime, reports)
    assert row["raw_text"] == "" and row["participants"] == 20 and row["redacted_at"] == NOW
