"""`prasan backup` under write load, `prasan restore` into a fresh directory, every table compared."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import Settings
from bot.runtime import Runtime
from tests.databases import sqlite_only

pytestmark = pytest.mark.slow  # several processes and a writer running for seconds

WRITER = """
import asyncio, sys
from pathlib import Path
from storage.store import Store

async def main(url, stop):
    store = await Store.open(url)
    n = 0
    try:
        while not Path(stop).exists() or n < 200:
            async with store.tx() as tx:  # a report and its audit line: together or not at all
                rid = await tx.insert_report(kind="progress", person_id=1, area_id=1,
                    raw_text=f"load {n}", norm_text=f"load {n}", tokens=[], status="submitted",
                    channel="console")
                await tx.audit("writer", "demo_loaded", report=rid)
            n += 1
            if n % 50 == 0:
                print(n, flush=True)
    finally:
        await store.close()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


def env_for(db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    env.update(PYTHAINLP_OFFLINE="1", DATABASE_URL=f"sqlite:///{db}")
    return env


def prasan(db: Path, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    cwd = next(d for d in db.parents if d.exists())
    proc = subprocess.run([sys.executable, "-m", "bot", *args], env=env_for(db), cwd=cwd,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    if ok:
        assert proc.returncode == 0, proc.stderr
    return proc


def tables(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in a stable order (the FTS5 shadow tables included)."""
    conn = sqlite3.connect(db)
    try:
        names = [r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]  # fmt: skip
        return {n: sorted(conn.execute(f'SELECT * FROM "{n}"').fetchall(), key=repr) for n in names}
    finally:
        conn.close()


def without_restore_line(rows: list[tuple[object, ...]]) -> list[tuple[object, ...]]:
    return [r for r in rows if "restore" not in r]


def test_backup_under_write_load_restores_a_consistent_copy(tmp_path: Path) -> None:
    live = tmp_path / "live" / "prasan.db"
    live.parent.mkdir()
    prasan(live, "demo")
    stop = tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, f"sqlite+aiosqlite:///{live}",
                               str(stop)], env=env_for(live), stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert writer.stdout is not None
        assert writer.stdout.readline().strip() == "50"  # writing is under way
        snapshot = tmp_path / "backups" / "during.db"
        snapshot.parent.mkdir()
        out = prasan(live, "backup", str(snapshot)).stdout
        assert "backed up" in out and stat.S_IMODE(snapshot.stat().st_mode) == 0o600
        assert "exists" in prasan(live, "backup", str(snapshot), ok=False).stderr
        stop.touch()
        assert writer.wait(timeout=120) == 0
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait()
    source = tables(live)
    fresh = tmp_path / "fresh" / "data" / "prasan.db"
    fresh.parent.parent.mkdir()
    restored_out = prasan(fresh, "restore", str(snapshot)).stdout
    assert "restored" in restored_out
    restored = tables(fresh)
    assert set(restored) == set(source)
    # A snapshot: each table holds exactly the rows the live one had at one moment.
    reports_then = restored["reports"]
    assert 50 <= len(reports_then) < len(source["reports"])  # taken while writes went on
    ids = {int(r[0]) for r in reports_then}  # type: ignore[call-overload]
    assert ids == set(range(1, max(ids) + 1))  # the first N, none missing
    assert reports_then == [r for r in source["reports"] if r[0] in ids]
    writer_lines = [r for r in restored["audit_log"] if "writer" in r]
    assert len(writer_lines) == len(reports_then)  # never a report without its audit line
    for name, rows in source.items():
        if name.startswith("reports_fts"):  # the search index's own b-tree pages move on
            continue
        kept = without_restore_line(restored[name]) if name == "audit_log" else restored[name]
        assert set(kept) <= set(rows), name
    check = sqlite3.connect(fresh)
    try:  # …and the index in the copy is sound (it raises when it is not)
        check.execute("INSERT INTO reports_fts(reports_fts) VALUES ('integrity-check')")
        assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        check.close()
    # After the writes stopped: a second backup restores every table exactly.
    after = tmp_path / "backups" / "after.db"
    prasan(live, "backup", str(after))
    again = tmp_path / "again" / "prasan.db"
    again.parent.mkdir()
    prasan(again, "restore", str(after))
    final = tables(again)
    live_now = tables(live)
    for name, rows in live_now.items():
        got = final[name]
        if name == "audit_log":  # the live log also says "backup"; the copy adds "restore"
            got, rows = without_restore_line(got), [r for r in rows if "backup" not in r]
            got = [r for r in got if "backup" not in r]
        assert got == rows, name


@sqlite_only  # the runtime's database must be the SQLite file `restore` replaces
async def test_restore_refuses_a_running_database_and_bad_files(runtime: Runtime,
                                                                settings: Settings,
                                                                tmp_path: Path) -> None:  # fmt: skip
    db = Path(settings.DATABASE_URL.split("///", 1)[1])
    copy = tmp_path / "copy.db"
    prasan(db, "backup", str(copy))
    refused = prasan(db, "restore", str(copy), ok=False)  # the runtime holds the database
    assert refused.returncode == 1 and "in use by a running prasan" in refused.stderr
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all" * 100)
    other = tmp_path / "other" / "prasan.db"
    other.parent.mkdir()
    assert "not a SQLite database" in prasan(other, "restore", str(junk), ok=False).stderr
    assert "does not exist" in prasan(other, "restore", str(tmp_path / "nope.db"),
                                      ok=False).stderr  # fmt: skip
    assert runtime.running is not None
    runtime.running.release()  # as when it stops: now the restore goes ahead, keeping a copy
    done = prasan(db, "restore", str(copy)).stdout
    assert "kept as" in done and list(db.parent.glob("prasan.db.before-restore-*"))


def test_backup_on_postgresql_names_pg_dump(tmp_path: Path) -> None:
    env = env_for(tmp_path / "x.db")
    env["DATABASE_URL"] = "postgresql://prasan:s3cret@db.internal:5432/prasan"
    proc = subprocess.run([sys.executable, "-m", "bot", "backup", "out.dump"], env=env,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.returncode == 1 and "pg_dump" in proc.stderr
    assert (
        "s3cret" not in proc.stderr and "postgresql://prasan@db.internal:5432/prasan" in proc.stderr
    )
