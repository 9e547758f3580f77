"""Start-up: each channel starts on its own, and webhooks are registered only once we listen.

With the Bot API unreachable, LINE still serves and Telegram keeps trying in the background
(one log line an attempt, no traceback); Telegram's setWebhook comes after the web server
accepts connections, so the first delivery cannot be refused.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp
import pytest
from pydantic import SecretStr

from bot.config import Settings
from bot.runtime import Runtime
from bot.web import serve
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram


def _both(settings: Settings, tg: FakeTelegram, line: FakeLine, **more: Any) -> Settings:
    return settings.model_copy(update={
        "TELEGRAM_BOT_TOKEN": SecretStr(tg.token), "TELEGRAM_API_URL": tg.api_url,
        "TELEGRAM_FILE_URL": tg.file_url, "LINE_CHANNEL_SECRET": SecretStr(SECRET),
        "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN), "LINE_API_URL": line.api_url,
        "LINE_DATA_API_URL": line.data_url, **more,
    })  # fmt: skip


async def test_telegram_unreachable_does_not_stop_line_and_keeps_trying(
    runtime: Runtime, settings: Settings, fake_tg: FakeTelegram, fake_line: FakeLine,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    caplog.set_level(logging.INFO)
    runtime.settings = _both(settings, fake_tg, fake_line)
    attempts: list[int] = []

    def delay(n: int) -> float:
        attempts.append(n)
        return 0.0

    runtime.start_delay = delay
    fake_tg.fail("getMe", 502, times=3)  # the Bot API is down for three attempts
    await runtime.add_configured_channels(receive=False)
    assert "line" in runtime.channels  # LINE serves at once
    assert "telegram" not in runtime.channels
    async with asyncio.timeout(10):
        await runtime._starting["telegram"]  # the background attempts
    assert "telegram" in runtime.channels
    unreachable = [r for r in caplog.records if "telegram unreachable" in r.getMessage()]
    assert len(unreachable) == 3  # one line an attempt
    ours = [r for r in caplog.records if r.name.startswith("bot")]  # `prasan` mutes httpx
    assert all(r.exc_info is None for r in ours)  # no traceback
    assert not any(fake_tg.token in r.getMessage() or TOKEN in r.getMessage() for r in ours)


async def test_setwebhook_comes_after_the_server_listens(
    runtime: Runtime, settings: Settings, fake_tg: FakeTelegram, fake_line: FakeLine
) -> None:
    runtime.settings = _both(settings, fake_tg, fake_line,
                             TELEGRAM_WEBHOOK_URL="https://prasan.example.org")  # fmt: skip
    seen: list[int] = []

    async def probe(_: dict[str, Any]) -> None:
        # Telegram may deliver the moment setWebhook is answered: the bot must answer already.
        assert runtime.web_address is not None, "setWebhook before the server was bound"
        host, port = runtime.web_address
        async with aiohttp.ClientSession() as http, http.get(f"http://{host}:{port}/healthz") as r:
            seen.append(r.status)

    fake_tg.on_set_webhook = probe
    await runtime.add_configured_channels(receive=True)
    assert fake_tg.webhook is None  # not registered while nothing listens
    runner = await serve(runtime, 0, host="127.0.0.1")
    try:
        assert fake_tg.webhook is not None
        assert seen == [200]
    finally:
        await runner.cleanup()


async def test_a_late_channel_registers_its_webhook_and_its_route_works(
    runtime: Runtime, settings: Settings, fake_tg: FakeTelegram, fake_line: FakeLine
) -> None:
    runtime.settings = _both(settings, fake_tg, fake_line,
                             TELEGRAM_WEBHOOK_URL="https://prasan.example.org")  # fmt: skip
    release = asyncio.Event()

    async def wait(_: dict[str, Any]) -> None:
        return None

    fake_tg.on_set_webhook = wait
    fake_tg.fail("getMe", 502, times=1)
    runtime.start_delay = lambda n: 0.0 if release.is_set() else 3600.0
    await runtime.add_configured_channels(receive=True)
    runner = await serve(runtime, 0, host="127.0.0.1")
    try:
        host, port = runtime.web_address or ("", 0)
        url = f"http://{host}:{port}/webhooks/telegram"
        async with aiohttp.ClientSession() as http:
            async with http.post(url, json={"update_id": 1}) as r:
                assert r.status == 503  # Telegram will redeliver
            release.set()
            runtime._starting["telegram"].cancel()  # skip the hour-long wait of the test clock
            await runtime._keep_starting("telegram", True)
            assert fake_tg.webhook is not None
            async with http.post(url, json={"update_id": 1}) as r:
                assert r.status == 403  # the channel's own route now: no secret, refused
    finally:
        await runner.cleanup()
