"""Fixtures: a fresh database per test (SQLite file; PostgreSQL when configured)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.demo import load_demo
from bot.runtime import Runtime
from storage.db import make_engine
from storage.store import Store


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on a temporary SQLite file, with no chat platform configured."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return load_settings(DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'prasan.db'}")


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on a fresh database loaded with the demo data (no channels)."""
    rt = await Runtime.create(settings)
    await load_demo(rt.store)
    try:
        yield rt
    finally:
        await rt.close()


@pytest.fixture
async def store(runtime: Runtime) -> Store:
    """The runtime's store."""
    return runtime.store


PG_URL = os.environ.get("PRASAN_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated, demo-loaded store on each backend."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'contract.db'}"
    else:
        if not PG_URL:
            pytest.skip("PostgreSQL cases need PRASAN_TEST_POSTGRES_URL (.ci/run sets it)")
        url = load_settings(DATABASE_URL=PG_URL).DATABASE_URL
        engine = make_engine(url)
        async with engine.begin() as conn:  # a clean slate: these tests own the database
            await conn.execute(text("DROP SCHEMA public CASCADE"))
            await conn.execute(text("CREATE SCHEMA public"))
        await engine.dispose()
    store = await Store.open(url)
    await load_demo(store)
    try:
        yield store
    finally:
        await store.close()
