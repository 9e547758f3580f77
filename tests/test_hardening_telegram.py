"""Smaller findings of the fault-injection run, on the Telegram side and the shared web server:
credentials in TELEGRAM_WEBHOOK_URL never logged, http refused unless loopback, 413 for an
oversized body, /healthz says only ok / not ok.
"""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH
from bot.config import ConfigurationError, Settings, load_settings
from storage.db import make_engine, make_sqlite_engine
from storage.store import Store
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import Harness

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.telegram_support import fake as fake
from tests.telegram_support import tg as tg


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://prasan.example.org", True),
        ("http://prasan.example.org", False),
        ("http://127.0.0.1:8080", True),
        ("http://localhost:8080/hook", True),
        ("http://[::1]:8080", True),
        ("ftp://prasan.example.org", False),
    ],
)
def test_webhook_url_must_be_https_unless_loopback(
    settings: Settings, url: str, ok: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", url)
    if ok:
        assert load_settings().TELEGRAM_WEBHOOK_URL == url
    else:
        with pytest.raises(ConfigurationError, match="TELEGRAM_WEBHOOK_URL"):
            load_settings()


@pytest.fixture
def mode() -> str:
    """Every test here runs the webhook."""
    return "webhook"


@pytest.fixture
def settings(settings: Settings, fake: FakeTelegram) -> Settings:
    """Webhook mode against the fake, with credentials inside the URL (some proxies want them)."""
    return settings.model_copy(
        update={
            "TELEGRAM_BOT_TOKEN": SecretStr(fake.token),
            "TELEGRAM_API_URL": fake.api_url,
            "TELEGRAM_FILE_URL": fake.file_url,
            "TELEGRAM_WEBHOOK_URL": "https://bot:hunter2-pass@prasan.example.org:8443",
        }
    )


async def test_credentials_in_the_webhook_url_are_not_logged(
    caplog: pytest.LogCaptureFixture, fake, runtime
) -> None:  # type: ignore[no-untyped-def]
    from bot.channels.telegram import start_channel

    caplog.set_level(logging.INFO)
    channel = await start_channel(runtime, True)
    try:
        await channel.on_listening()
    finally:
        await channel.stop()
    assert fake.webhook is not None  # registered, with the full URL
    assert "hunter2-pass" in fake.webhook["url"]
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "prasan.example.org" in logged
    assert "hunter2-pass" not in logged and "bot:" not in logged


async def test_an_oversized_body_is_answered_413(tg: Harness) -> None:
    assert tg.client is not None
    headers = {SECRET_HEADER: tg.channel.secret or "", "Content-Type": "application/json"}
    big = b'{"update_id": 1, "message": {"text": "' + b"x" * (2 * 1024 * 1024) + b'"}}'
    async with tg.client.post(WEBHOOK_PATH, data=big, headers=headers) as resp:
        assert resp.status == 413


async def test_healthz_says_ok_and_nothing_more(tg: Harness) -> None:
    assert tg.client is not None
    async with tg.client.get("/healthz") as resp:
        assert resp.status == 200
        assert await resp.json() == {"status": "ok"}
    kept = tg.runtime.store
    gone = "sqlite+aiosqlite:////nonexistent-directory/prasan.db"  # the database is unreachable
    tg.runtime.store = Store(make_engine(gone), make_sqlite_engine(gone))
    try:
        async with tg.client.get("/healthz") as resp:
            assert resp.status == 503
            assert await resp.json() == {"status": "not ok"}
    finally:
        await tg.runtime.store.close()
        tg.runtime.store = kept
