"""The Telegram channel: python-telegram-bot as the transport only.

Receive: getUpdates long polling by default, or POST /webhooks/telegram (checked against
the secret token) when TELEGRAM_WEBHOOK_URL is set. Each update becomes one `Incoming`
(telegram_parse) on the core's inbound path. Send: each `Outgoing` becomes Bot API
messages with inline keyboards (telegram_render); Bot API errors become
`bot.channels.errors`. Conversation logic lives in handlers/, never here.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from aiohttp import web
from telegram import Bot, BotCommand, Message, Update
from telegram.error import InvalidToken, TelegramError

from bot.channels.errors import ConfigError, Throttled
from bot.channels.telegram_parse import ALLOWED_UPDATES, CHANNEL, parse_update
from bot.channels.telegram_poll import Poller
from bot.channels.telegram_render import Part, command_menu, pressed_label, render, with_choice
from bot.channels.telegram_transport import ChatPauses, Pacer, channel_error, make_bot
from bot.config import LANGUAGES
from bot.logsafe import log_failure
from bot.media import fetch_by_url
from bot.messages import Incoming, Outgoing
from bot.outbox_policy import Pause

if TYPE_CHECKING:
    from bot.inbound import Inbound
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")

WEBHOOK_PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
SECRET_KEY = "telegram_webhook_secret"
POLL_TIMEOUT = 30  # seconds Telegram holds getUpdates open when there is nothing new


class TelegramChannel:
    """Renders `Outgoing` as Bot API messages and feeds updates to the inbound path."""

    name = CHANNEL

    def __init__(
        self, bot: Bot, inbound: Inbound, *, poll_timeout: int = POLL_TIMEOUT,
        pacer: Pacer | None = None,
    ) -> None:  # fmt: skip
        self.bot = bot
        self.inbound = inbound
        self.poll_timeout = poll_timeout
        self.secret: str | None = None  # set in webhook mode
        self._webhook_url: str | None = None
        self._stopping = asyncio.Event()
        self._poller: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._turns: dict[str, asyncio.Lock] = {}  # one per chat: a few hundred people
        self.pacer = pacer or Pacer()
        self.pause = Pause()  # a 429's Retry-After, for the whole channel
        self.chat_pauses = ChatPauses(lambda: self.pause.clock())  # …or for one chat
        self._sent_parts: OrderedDict[str, int] = OrderedDict()
        # Our own images (charts) are uploaded as bytes: no public URL needed for Telegram.
        self.media: Callable[[str], Awaitable[bytes | None]] | None = None

    # --- send ---------------------------------------------------------------------------

    async def send(
        self,
        recipient: str,
        messages: Sequence[Outgoing],
        *,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> None:
        """Send each message as one or more Bot API messages (buttons on the last part)."""
        try:
            chat_id = int(recipient)
        except ValueError:
            raise ConfigError("not a Telegram chat id") from None
        parts = [part for message in messages for part in render(message)]
        # A retried outbox row resumes after the parts that already went out: no repeats.
        done = self._sent_parts.get(retry_key, 0) if retry_key else 0

        def check() -> None:
            # After a 429 no request goes until Retry-After has passed: for any chat, or
            # (Telegram's per-chat limit) for this one.
            self.pause.check()
            self.chat_pauses.check(chat_id)

        for index in range(done, len(parts)):
            async with self.pacer.slot(chat_id, check):
                await self._call(self._send_part(chat_id, parts[index]), chat_id)
            self.chat_pauses.sent(chat_id)
            if retry_key:
                self._sent_parts[retry_key] = index + 1
                while len(self._sent_parts) > 1000:
                    self._sent_parts.popitem(last=False)
        if retry_key:
            self._sent_parts.pop(retry_key, None)

    async def _send_part(self, chat_id: int, part: Part) -> None:
        if part.photo:
            own = await self.media(part.photo) if self.media is not None else None
            await self.bot.send_photo(
                chat_id, own if own is not None else part.photo, caption=part.text or None,
                reply_markup=part.keyboard,
            )  # fmt: skip
        else:
            await self.bot.send_message(chat_id, part.text, reply_markup=part.keyboard)

    async def _call(self, request: Awaitable[T], chat_id: int | None = None) -> T:
        try:
            return await request
        except TelegramError as exc:
            error = channel_error(exc, self.bot.token)
            if isinstance(error, Throttled):
                if chat_id is not None and self.chat_pauses.own_limit(chat_id):
                    self.chat_pauses.hold(chat_id, error.retry_after)
                    error.chat = str(chat_id)
                else:
                    self.pause.hold(error.retry_after)
            raise error from None

    async def download(self, file_id: str) -> bytes:
        """The bytes of a file we keep by reference (a report photo's file_id)."""
        file = await self._call(self.bot.get_file(file_id))
        return bytes(await self._call(file.download_as_bytearray()))

    # --- receive ------------------------------------------------------------------------

    async def _take(self, update: Update) -> None:
        """Handle one polled update: stored, processed and answered in one go, in order."""
        await self._acknowledge(update)  # a redelivered press is answered again: harmless
        inc = parse_update(update)
        if inc is not None:
            await self.inbound.receive(inc)  # dedupes by update id

    async def _record_unhandled(self, update: Update, exc: Exception) -> None:
        """Keep a trace in the inbox of an update that could not be handled, marked done."""
        chat = update.effective_chat
        inc = Incoming(CHANNEL, str(chat.id if chat else 0), kind="unhandled",
                       event_id=str(update.update_id))  # fmt: skip
        async with self.inbound.store.tx() as tx:
            await tx.inbox_add(CHANNEL, str(update.update_id), inc.to_json(), processed=True)

    async def _handle(self, update: Update, inc: Incoming, inbox_id: int) -> None:
        """Acknowledge a press, then run the flow; one update at a time per chat."""
        try:
            await self._acknowledge(update)
            turn = self._turns.setdefault(inc.user_id, asyncio.Lock())
            async with turn:
                await self.inbound.process(inc, inbox_id)
        except Exception as exc:  # the inbox keeps the event; `recover` retries it after a restart
            log_failure(log, "telegram update", exc, update=update.update_id)

    async def _acknowledge(self, update: Update) -> None:
        """Stop a pressed button's spinner and turn its message into a line of transcript.

        The keyboard goes away (stale buttons can't be pressed twice) and the choice is
        appended, so the chat reads as question → ➡️ answer → the bot's next message.
        """
        query = update.callback_query
        if query is None:
            return
        await self._quietly("answerCallbackQuery", query.answer())
        message = query.message
        if not isinstance(message, Message) or message.reply_markup is None:
            return
        text = with_choice(message.text, pressed_label(message.reply_markup, query.data))
        chat_id, message_id = message.chat.id, message.message_id
        async with self.pacer.slot():  # edits are not messages: only the overall limit
            if text is not None:
                edit = self.bot.edit_message_text(text, chat_id, message_id, reply_markup=None)
            else:  # a photo, an unknown button, or no room left: just drop the keyboard
                edit = self.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
            await self._quietly("edit", edit)

    async def _quietly(self, what: str, request: Awaitable[Any]) -> None:
        """Cosmetic calls (acknowledging, editing) must never stop a message being handled."""
        try:
            await request
        except TelegramError as exc:
            log.info("telegram %s failed (%s)", what, type(exc).__name__)

    # polling

    async def start_polling(self) -> None:
        """Start the getUpdates loop in the background."""
        # A webhook left by an earlier deployment makes getUpdates fail with 409 Conflict;
        # a server without deleteWebhook (some self-hosted or test servers) is no reason to stop.
        await self._quietly("deleteWebhook", self.bot.delete_webhook())
        poller = Poller(self.bot, self._take, self._stopping, self.poll_timeout,
                        skip=self._record_unhandled)  # fmt: skip
        self._poller = asyncio.create_task(poller.run(), name="telegram-polling")
        log.info("telegram polling started")

    # webhook

    def expect_webhook(self, url: str, secret: str) -> None:
        """Webhook mode: accept updates signed with `secret`; register `url` once listening."""
        self.secret = secret
        self._webhook_url = url

    async def on_listening(self) -> None:
        """The web server is up: now Telegram may be told where to POST (not before)."""
        if self._webhook_url is not None and self.secret is not None:
            await self.use_webhook(self._webhook_url, self.secret)

    async def use_webhook(self, url: str, secret: str) -> None:
        """Ask Telegram to POST updates to `url`, signed with `secret`."""
        self.secret = secret
        await self._call(
            self.bot.set_webhook(url, secret_token=secret, allowed_updates=ALLOWED_UPDATES)
        )
        # The host only: a URL may carry a username and password for a proxy.
        parts = urlsplit(url)
        where = f"{parts.hostname}:{parts.port}" if parts.port else parts.hostname
        log.info("telegram webhook registered at %s", where)

    def add_routes(self, app: web.Application) -> None:
        """Serve POST /webhooks/telegram on the shared web server (webhook mode only)."""
        if self.secret is not None:
            app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        """Check the secret, store the update, answer 200 at once, handle it in the background."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if self.secret is None or not hmac.compare_digest(given, self.secret.encode()):
            log.warning("telegram webhook call with a wrong secret refused")
            return web.Response(status=403)
        try:
            update = Update.de_json(await request.json(), self.bot)
        except web.HTTPRequestEntityTooLarge:
            return web.Response(status=413)
        except Exception:  # not JSON, or not an update
            return web.Response(status=400)
        inc = parse_update(update)
        if inc is None:
            self._spawn(self._acknowledge(update))
        elif (inbox_id := await self.inbound.accept(inc)) is not None:
            self._spawn(self._handle(update, inc, inbox_id))
        else:
            log.info("duplicate telegram update %s skipped", update.update_id)
        return web.Response(status=200)  # Telegram redelivers until it sees a 2xx

    def _spawn(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for webhook updates still being handled."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # lifecycle

    async def connect(self) -> None:
        """Check the token (getMe) and open the HTTP connections."""
        try:
            await self.bot.initialize()
        except InvalidToken:  # PTB's message quotes the token
            raise ConfigError("Telegram refused TELEGRAM_BOT_TOKEN") from None
        except TelegramError as exc:
            raise channel_error(exc, self.bot.token) from None

    async def set_commands(self, default_language: str) -> None:
        """Publish the command menu in each language, and a default for everyone else."""
        for lang in (*LANGUAGES, None):
            commands = [BotCommand(c, text) for c, text in command_menu(lang or default_language)]
            request = self.bot.set_my_commands(commands, language_code=lang)
            await self._quietly("setMyCommands", request)

    async def stop(self) -> None:
        """Finish the update in hand, stop polling, wait for webhook work, close HTTP."""
        self._stopping.set()
        if self._poller is not None:
            try:
                await self._poller
            except Exception as exc:
                log_failure(log, "telegram polling", exc)
        await self.drain()
        await self.bot.shutdown()


def webhook_url(configured: str) -> str:
    """TELEGRAM_WEBHOOK_URL, with our path added when only the host was given."""
    if urlsplit(configured).path in ("", "/"):
        return configured.rstrip("/") + WEBHOOK_PATH
    return configured


async def start_channel(runtime: Runtime, receive: bool) -> TelegramChannel:
    """Connect to the Bot API; with `receive`, also poll or register the webhook."""
    settings = runtime.settings
    assert settings.TELEGRAM_BOT_TOKEN is not None
    token = settings.TELEGRAM_BOT_TOKEN.get_secret_value()
    bot = make_bot(token, settings.TELEGRAM_API_URL, settings.TELEGRAM_FILE_URL)
    channel = TelegramChannel(bot, runtime.inbound)
    channel.media = partial(fetch_by_url, runtime.store)
    try:
        await channel.connect()
        if not receive:
            return channel
        await channel.set_commands(settings.PRASAN_LANGUAGE)
        if settings.TELEGRAM_WEBHOOK_URL:
            # Registered by on_listening(), once the web server can take the first delivery.
            channel.expect_webhook(webhook_url(settings.TELEGRAM_WEBHOOK_URL),
                                   await _webhook_secret(runtime))  # fmt: skip
        else:
            await channel.start_polling()
    except BaseException:
        await channel.stop()
        raise
    return channel


async def _webhook_secret(runtime: Runtime) -> str:
    """TELEGRAM_WEBHOOK_SECRET, or one generated once and kept in the database."""
    configured = runtime.settings.TELEGRAM_WEBHOOK_SECRET
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value()
    async with runtime.store.tx() as tx:
        return await tx.kv_set_default(SECRET_KEY, secrets.token_urlsafe(32))
