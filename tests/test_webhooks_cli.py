"""`prasan webhooks set|info` against the fake Telegram and LINE platforms.

Telegram gets setWebhook with the secret the web process checks; LINE is asked to call our
webhook URL (its webhook test endpoint), which the running web app answers.
"""

from __future__ import annotations

import argparse
import socket
from typing import Any

import pytest
from pydantic import SecretStr

from bot import cli_text
from bot.channels.telegram import SECRET_KEY
from bot.config import Settings
from bot.runtime import Runtime
from bot.webhooks_cli import info, set_hooks
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.line_support import base_url as base_url
from tests.line_support import fake as fake
from tests.line_support import line as line


@pytest.fixture
def tg(fake_tg: FakeTelegram) -> FakeTelegram:
    """The fake Bot API (conftest's `fake_tg`)."""
    return fake_tg


def telegram(settings: Settings, tg: FakeTelegram, **more: Any) -> Settings:
    """Settings with Telegram on the fake (webhook mode unless told otherwise)."""
    return settings.model_copy(update={
        "TELEGRAM_BOT_TOKEN": SecretStr(tg.token), "TELEGRAM_API_URL": tg.api_url,
        "TELEGRAM_FILE_URL": tg.file_url,
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.org", **more,
    })  # fmt: skip


def with_line(settings: Settings, fake: FakeLine) -> Settings:
    """Settings with LINE on the fake."""
    return settings.model_copy(update={
        "LINE_CHANNEL_SECRET": SecretStr(SECRET), "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN),
        "LINE_API_URL": fake.api_url, "LINE_DATA_API_URL": fake.data_url,
    })  # fmt: skip


def url(base: str | None = None) -> argparse.Namespace:
    """The command's arguments."""
    return argparse.Namespace(url=base)


@pytest.fixture(autouse=True)
def english() -> None:
    """The operator's language: English unless a test says otherwise."""
    cli_text._current[0] = cli_text.translator("en")


async def test_set_registers_the_url_with_the_secret_the_web_process_checks(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str], runtime: Runtime
) -> None:
    assert await set_hooks(url(), telegram(settings, tg)) == 0
    assert tg.webhook is not None
    assert tg.webhook["url"] == "https://bot.example.org/webhooks/telegram"
    async with runtime.store.tx() as tx:  # generated once, kept where the web process reads it
        stored = await tx.kv_get(SECRET_KEY)
    assert tg.webhook["secret_token"] == stored
    out = capsys.readouterr().out
    assert (
        out
        == "Telegram: webhook set to https://bot.example.org/webhooks/telegram, with the secret token\n"
    )
    assert stored not in out and tg.token not in out


async def test_set_uses_a_configured_secret(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = telegram(settings, tg, TELEGRAM_WEBHOOK_SECRET=SecretStr("s3cret-token_1"))
    assert await set_hooks(url(), configured) == 0
    assert tg.webhook is not None and tg.webhook["secret_token"] == "s3cret-token_1"
    assert "s3cret" not in capsys.readouterr().out


async def test_set_without_a_webhook_url_says_so_and_registers_nothing(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await set_hooks(url(), telegram(settings, tg, TELEGRAM_WEBHOOK_URL=None)) == 1
    assert tg.webhook is None
    assert capsys.readouterr().out.startswith("Telegram: set TELEGRAM_WEBHOOK_URL first")


async def test_info_reports_the_url_the_queue_and_the_last_error(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    configured = telegram(settings, tg)
    assert await info(url(), configured) == 0
    assert capsys.readouterr().out == "Telegram: no webhook set (the bot polls for updates)\n"
    await set_hooks(url(), configured)
    capsys.readouterr()
    tg.webhook_error = "Wrong response from the webhook: 502 Bad Gateway"
    assert await info(url(), configured) == 1
    assert capsys.readouterr().out == (
        "Telegram: webhook https://bot.example.org/webhooks/telegram, 0 updates waiting, last "
        "error: Wrong response from the webhook: 502 Bad Gateway (2026-11-30 00:00 UTC)\n"
    )


async def test_info_speaks_thai_when_the_operator_chose_it(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    cli_text._current[0] = cli_text.translator("th")
    assert await info(url(), telegram(settings, tg)) == 0
    out = capsys.readouterr().out
    assert out.startswith("Telegram: ") and "webhook" in out
    assert out != "Telegram: no webhook set (the bot polls for updates)\n"


async def test_line_set_prints_the_url_to_paste_and_line_reaches_it(
    settings: Settings, fake: FakeLine, base_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await set_hooks(url(base_url), with_line(settings, fake)) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        f"LINE: paste {base_url}/webhooks/line into the LINE Developers console (Messaging API "
        "→ Webhook URL) and turn on “Use webhook”",
        f"LINE: reached {base_url}/webhooks/line (HTTP 200)",
    ]
    [asked] = fake.calls_to("/channel/webhook/test")
    assert asked.body == {"endpoint": f"{base_url}/webhooks/line"}


async def test_line_info_says_when_line_cannot_reach_the_url(
    settings: Settings, fake: FakeLine, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as closed:  # bound, never listening: connections are refused
        closed.bind(("127.0.0.1", 0))
        base = f"http://127.0.0.1:{closed.getsockname()[1]}"
        assert await info(url(base), with_line(settings, fake)) == 1
    assert capsys.readouterr().out == (
        f"LINE could not reach {base}/webhooks/line: COULD_NOT_CONNECT (HTTP -)\n"
    )


async def test_line_without_a_public_url_asks_for_one(
    settings: Settings, fake: FakeLine, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await info(url(), with_line(settings, fake)) == 1
    assert capsys.readouterr().out.startswith("LINE: no public URL; pass --url")
    assert not fake.calls_to("/channel/webhook/test")


async def test_no_platform_configured(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert await info(url(), settings) == 1
    assert "No chat platform is configured" in capsys.readouterr().out


async def test_an_unreachable_bot_api_is_said_in_one_line(
    settings: Settings, tg: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    tg.fail("getWebhookInfo", 502)
    assert await info(url(), telegram(settings, tg)) == 1
    out = capsys.readouterr().out
    assert out.startswith("Telegram could not be reached: ") and out.count("\n") == 1
    assert tg.token not in out
