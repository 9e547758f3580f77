"""`prasan webhooks set|info`: register the Telegram webhook, and check LINE can reach ours.

Telegram: setWebhook with TELEGRAM_WEBHOOK_URL and the same secret token the web process
checks (TELEGRAM_WEBHOOK_SECRET, or the one kept in the database), and getWebhookInfo.
LINE's webhook URL is set in the LINE Developers console; this prints the URL to paste there
and asks LINE to call it (POST /v2/bot/channel/webhook/test,
https://developers.line.biz/en/reference/messaging-api/#test-webhook-endpoint).
One line per platform, in the operator's language; never a token or the secret.
"""

from __future__ import annotations

import argparse
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.cli_text import t
from bot.config import Settings

if TYPE_CHECKING:
    from telegram import Bot
    from telegram.error import TelegramError


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """The webhooks command."""
    w = sub.add_parser("webhooks", help="register the Telegram webhook; check LINE reaches ours")
    wsub = w.add_subparsers(dest="webhooks_command", required=True, metavar="ACTION")
    for action, text in (
        ("set", "setWebhook on Telegram (TELEGRAM_WEBHOOK_URL); print and check the LINE URL"),
        ("info", "what Telegram has registered; whether LINE reaches our URL"),
    ):
        p = wsub.add_parser(action, help=text)
        p.add_argument("--url", metavar="https://HOST",
                       help="public base URL for LINE (default: PRASAN_PUBLIC_URL, "
                            "else the host of TELEGRAM_WEBHOOK_URL)")  # fmt: skip


async def set_hooks(args: argparse.Namespace, settings: Settings) -> int:
    """Register Telegram's webhook and check LINE's; exit 1 if either failed."""
    ok = True
    if settings.telegram_enabled:
        ok &= await _telegram_set(settings)
    if settings.line_enabled:
        ok &= await _line_check(settings, args.url, paste=True)
    if not (settings.telegram_enabled or settings.line_enabled):
        print(t("No chat platform is configured: set TELEGRAM_BOT_TOKEN and/or "
                "LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"))  # fmt: skip
        return 1
    return 0 if ok else 1


async def info(args: argparse.Namespace, settings: Settings) -> int:
    """What Telegram has registered, and whether LINE reaches our URL."""
    ok = True
    if settings.telegram_enabled:
        ok &= await _telegram_info(settings)
    if settings.line_enabled:
        ok &= await _line_check(settings, args.url, paste=False)
    if not (settings.telegram_enabled or settings.line_enabled):
        print(t("No chat platform is configured: set TELEGRAM_BOT_TOKEN and/or "
                "LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN"))  # fmt: skip
        return 1
    return 0 if ok else 1


# ---- Telegram -------------------------------------------------------------------------


async def _telegram_set(settings: Settings) -> bool:
    from telegram.error import TelegramError

    from bot.channels.telegram import webhook_url
    from bot.channels.telegram_parse import ALLOWED_UPDATES

    if not settings.TELEGRAM_WEBHOOK_URL:
        print(t("Telegram: set TELEGRAM_WEBHOOK_URL first (without it the bot polls for "
                "updates and removes any webhook)"))  # fmt: skip
        return False
    url = webhook_url(settings.TELEGRAM_WEBHOOK_URL)
    secret = await _telegram_secret(settings)
    bot, token = _bot(settings)
    try:
        async with bot:
            await bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
    except TelegramError as exc:
        print(_telegram_error(exc, token))
        return False
    print(t("Telegram: webhook set to {url}, with the secret token", url=_shown(url)))
    return True


async def _telegram_info(settings: Settings) -> bool:
    from telegram.error import TelegramError

    bot, token = _bot(settings)
    try:
        async with bot:
            hook = await bot.get_webhook_info()
    except TelegramError as exc:
        print(_telegram_error(exc, token))
        return False
    if not hook.url:
        print(t("Telegram: no webhook set (the bot polls for updates)"))
        return True
    error = t("none")
    if hook.last_error_message:
        when = hook.last_error_date
        stamp = when.strftime("%Y-%m-%d %H:%M UTC") if isinstance(when, datetime) else ""
        error = f"{hook.last_error_message} ({stamp})" if stamp else hook.last_error_message
    print(t("Telegram: webhook {url}, {pending} updates waiting, last error: {error}",
            url=_shown(hook.url), pending=hook.pending_update_count, error=error))  # fmt: skip
    return not hook.last_error_message


def _bot(settings: Settings) -> tuple[Bot, str]:
    from bot.channels.telegram_transport import make_bot

    assert settings.TELEGRAM_BOT_TOKEN is not None
    token = settings.TELEGRAM_BOT_TOKEN.get_secret_value()
    return make_bot(token, settings.TELEGRAM_API_URL, settings.TELEGRAM_FILE_URL), token


def _telegram_error(exc: TelegramError, token: str) -> str:
    """One line: unreachable (network, 5xx) or refused (a bad token, a bad URL)."""
    from bot.channels.errors import ConnectionFailed
    from bot.channels.telegram_transport import channel_error

    error = channel_error(exc, token)  # the token scrubbed from PTB's message
    if isinstance(error, ConnectionFailed):
        return t("Telegram could not be reached: {error}", error=str(error))
    return t("Telegram refused: {error}", error=str(error))


async def _telegram_secret(settings: Settings) -> str:
    """The secret the web process checks: the configured one, or the one kept in the database."""
    from bot.channels.telegram import SECRET_KEY
    from storage.store import Store

    configured = settings.TELEGRAM_WEBHOOK_SECRET
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            return await tx.kv_set_default(SECRET_KEY, secrets.token_urlsafe(32))
    finally:
        await store.close()


# ---- LINE -----------------------------------------------------------------------------


@dataclass(frozen=True)
class LineCheck:
    """What LINE said when it called our webhook URL."""

    success: bool
    status: int | None
    reason: str


async def _line_check(settings: Settings, base: str | None, *, paste: bool) -> bool:
    from bot.channels.line import WEBHOOK_PATH

    base = base or settings.PRASAN_PUBLIC_URL or _host_of(settings.TELEGRAM_WEBHOOK_URL)
    if not base:
        print(t("LINE: no public URL; pass --url https://your-host or set PRASAN_PUBLIC_URL"))
        return False
    url = base.rstrip("/") + WEBHOOK_PATH
    if paste:
        print(t("LINE: paste {url} into the LINE Developers console (Messaging API → Webhook "
                "URL) and turn on “Use webhook”", url=url))  # fmt: skip
    try:
        check = await test_line_webhook(settings, url)
    except Exception as exc:  # by type only: the SDK's message can carry the request
        print(t("LINE: the check failed: {error}", error=type(exc).__name__))
        return False
    if check.success:
        print(t("LINE: reached {url} (HTTP {status})", url=url, status=check.status))
        return True
    print(t("LINE could not reach {url}: {reason} (HTTP {status})", url=url,
            reason=check.reason, status=check.status or "-"))  # fmt: skip
    return False


async def test_line_webhook(settings: Settings, url: str) -> LineCheck:
    """Ask LINE to send a test event to `url` (LINE signs it; our server answers 200)."""
    from linebot.v3.messaging import (
        AsyncApiClient,
        AsyncMessagingApi,
        Configuration,
        TestWebhookEndpointRequest,
    )

    assert settings.LINE_CHANNEL_ACCESS_TOKEN is not None
    config = Configuration(host=settings.LINE_API_URL.rstrip("/"),
                           access_token=settings.LINE_CHANNEL_ACCESS_TOKEN.get_secret_value())  # fmt: skip
    async with AsyncApiClient(config) as client:
        got = await AsyncMessagingApi(client).test_webhook_endpoint(
            TestWebhookEndpointRequest(endpoint=url)
        )
    return LineCheck(bool(got.success), got.status_code, got.reason or "")


def _host_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def _shown(url: str) -> str:
    # A URL may carry a proxy's user and password: show scheme, host and path only.
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}{parts.path}"
