"""Fixtures: a fresh database per test (SQLite file; PostgreSQL with PRASAN_TEST_BACKEND)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PYTHAINLP_OFFLINE", "1")

from bot.config import Settings, load_settings
from bot.demo import load_demo
from bot.runtime import Runtime
from storage.store import Store
from tests.databases import BACKEND, fresh_database, skip_without_postgres
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram


def pytest_report_header() -> str:
    """Say which backend this run's stores use."""
    return f"prasan test database: {BACKEND}"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On the PostgreSQL pass, run only the tests whose database is the backend under test.

    `.ci/run` runs the suite twice; a test that opens no database through these fixtures
    (the Thai NLP, the locales, a subprocess on its own SQLite file) would only repeat what
    the SQLite pass ran, and the storage contract's SQLite cases ran there too.
    """
    if BACKEND != "postgresql":
        return
    keep, drop = [], []
    for item in items:
        names = getattr(item, "fixturenames", ())
        callspec = getattr(item, "callspec", None)
        on_sqlite = callspec is not None and callspec.params.get("db") == "sqlite"
        (keep if "database_url" in names or ("db" in names and not on_sqlite) else drop).append(
            item
        )
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
async def fake_line() -> AsyncIterator[FakeLine]:
    """A fake LINE platform (Messaging API and content API) on local ports."""
    server = await FakeLine().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture
async def fake_tg() -> AsyncIterator[FakeTelegram]:
    """A fake Telegram Bot API on a local port."""
    server = await FakeTelegram().start()
    try:
        yield server
    finally:
        await server.close()


@pytest.fixture(autouse=True)
def cli_language() -> Iterator[None]:
    """Each test starts with the CLI speaking English (its default); `main` sets it per process."""
    from bot import cli_text
    from bot.i18n import translator

    cli_text._current[0] = translator("en")
    yield


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database at head for this test (empty with @pytest.mark.empty_database)."""
    empty = request.node.get_closest_marker("empty_database") is not None
    with fresh_database(tmp_path, migrated=not empty) as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings on the test's fresh database, with no chat platform configured."""
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)  # no stray .env is read
    return load_settings(DATABASE_URL=database_url)


@pytest.fixture
async def runtime(settings: Settings) -> AsyncIterator[Runtime]:
    """A runtime on a fresh database loaded with the demo data (no channels)."""
    rt = await Runtime.create(settings)
    await load_demo(rt.store)
    try:
        yield rt
    finally:
        await rt.close()
    # Checked here, where the test that left it is known: later, the garbage collector
    # would end it on a closed loop in whichever test runs next, and fail that one.
    assert rt.store.left_open == 0, "a task still held a database connection at close"


@pytest.fixture
async def store(runtime: Runtime) -> Store:
    """The runtime's store."""
    return runtime.store


@pytest.fixture(params=["sqlite", "postgresql"])
async def db(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    """A migrated, demo-loaded store on each backend (storage contract cases)."""
    if request.param == "postgresql":
        skip_without_postgres()
    with fresh_database(tmp_path, request.param) as url:
        store = await Store.open(load_settings(DATABASE_URL=url).DATABASE_URL)
        await load_demo(store)
        try:
            yield store
        finally:
            await store.close()
        assert store.left_open == 0, "a task still held a database connection at close"
