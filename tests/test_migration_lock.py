"""Several processes starting together migrate the database once, under a lock."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from bot.config import load_settings
from storage.db import current_revision, make_engine
from storage.store import Store

PROCESSES = 4


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    return env | {"PYTHAINLP_OFFLINE": "1", "DATABASE_URL": database_url}


@pytest.mark.slow
@pytest.mark.empty_database
async def test_processes_upgrading_an_empty_database_together_all_succeed(
    database_url: str, tmp_path: Path
) -> None:
    # The children wait at a barrier file, so they really start migrating at the same moment.
    go = tmp_path / "go"
    script = (
        "import pathlib, sys, time\n"
        "from bot.cli import main\n"
        "print('ready', flush=True)\n"
        f"while not pathlib.Path({str(go)!r}).exists(): time.sleep(0.002)\n"
        "sys.exit(main(['db', 'upgrade']))\n"
    )
    env = _env(database_url)
    procs = [await _spawn(script, env, tmp_path) for _ in range(PROCESSES)]
    for proc in procs:  # every child has imported everything and waits at the barrier
        assert proc.stdout is not None
        assert await asyncio.wait_for(proc.stdout.readline(), 60) == b"ready\n"
    go.touch()
    results = await asyncio.wait_for(asyncio.gather(*(p.communicate() for p in procs)), 120)
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()[-2000:]
        assert b"database is up to date" in out
    url = load_settings(DATABASE_URL=database_url).DATABASE_URL
    engine = make_engine(url)
    try:
        assert await current_revision(engine) == _head()
    finally:
        await engine.dispose()
    store = await Store.open(url)  # and the schema is whole: a store opens and works
    try:
        async with store.tx() as tx:
            assert await tx.list_areas() == []
    finally:
        await store.close()


async def _spawn(script: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    pipe = asyncio.subprocess.PIPE
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, env=env, cwd=cwd, stdout=pipe, stderr=pipe
    )


def _head() -> str:
    from alembic.script import ScriptDirectory

    from storage.db import alembic_config

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head
