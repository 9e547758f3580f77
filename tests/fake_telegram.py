"""A fake Telegram Bot API server: the real python-telegram-bot client talks to it over HTTP.

It answers the methods the adapter uses, records every call, long-polls getUpdates from a
queue the test fills, keeps a per-chat transcript of what the bot sent (with the inline
keyboards, so a test can press a button by its label), and can be told to fail the next
calls of a method (429 with retry_after, 403 blocked, 500).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

TOKEN = "123456789:AAFakeTokenForTestsOnly-never-real"
BOT_ID = 123456789
# Form fields PTB sends JSON-encoded (strings are sent as they are).
_JSON_FIELDS = {
    "chat_id", "message_id", "reply_markup", "allowed_updates", "commands", "offset", "timeout",
    "limit", "scope", "show_alert", "max_connections", "drop_pending_updates", "cache_time",
}  # fmt: skip


@dataclass
class Call:
    """One request the bot made."""

    method: str
    params: dict[str, Any]
    at: float = 0.0  # the fake's clock when it came (seconds)
    status: int = 200


@dataclass
class Sent:
    """One message the bot sent to a chat, as it reads now (after any edits)."""

    message_id: int
    text: str
    keyboard: list[list[tuple[str, str]]]
    photo: str | None = None
    edits: int = 0

    @property
    def labels(self) -> list[str]:
        """The labels of its buttons, row by row."""
        return [label for row in self.keyboard for label, _ in row]

    def as_api(self, chat_id: int) -> dict[str, Any]:
        """The Message object the Bot API would return (and put in a callback query)."""
        out: dict[str, Any] = {
            "message_id": self.message_id,
            "date": int(time.time()),
            "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "group"},
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "Prasan",
                "username": "prasan_bot",
            },
        }
        if self.photo:
            out["photo"] = [{"file_id": self.photo, "file_unique_id": "u", "width": 1, "height": 1}]
            out["caption"] = self.text
        else:
            out["text"] = self.text
        if self.keyboard:
            rows = [[{"text": t, "callback_data": d} for t, d in row] for row in self.keyboard]
            out["reply_markup"] = {"inline_keyboard": rows}
        return out


@dataclass(frozen=True)
class Person:
    """A Telegram user who writes to the bot."""

    id: int
    first_name: str = "สมศรี"
    last_name: str | None = "ใจงาม"
    language_code: str | None = "th"

    def as_api(self) -> dict[str, Any]:
        """The User object."""
        out: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            out["last_name"] = self.last_name
        if self.language_code:
            out["language_code"] = self.language_code
        return out

    def chat(self) -> dict[str, Any]:
        """Their private chat with the bot."""
        return {"id": self.id, "type": "private", "first_name": self.first_name}


@dataclass
class FakeTelegram:
    """The server; `await start()`, point TELEGRAM_API_URL at `api_url`, `await close()`."""

    token: str = TOKEN
    calls: list[Call] = field(default_factory=list)
    chats: dict[int, list[Sent]] = field(default_factory=lambda: defaultdict(list))
    webhook: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)
    uploads: dict[str, bytes] = field(default_factory=dict)  # photos sent as bytes, by file_id
    offset: int = 0  # the highest offset the bot has confirmed
    _queue: list[dict[str, Any]] = field(default_factory=list)
    _failures: dict[str, list[tuple[int, dict[str, Any]] | None]] = field(
        default_factory=lambda: defaultdict(list)
    )
    # Failures for one chat only: (method, chat id) → as above.
    _chat_failures: dict[tuple[str, int], list[tuple[int, dict[str, Any]] | None]] = field(
        default_factory=lambda: defaultdict(list)
    )
    clock: Callable[[], float] = time.monotonic  # a test may pass its movable clock
    # Called once a message is recorded, before it is answered (a test may kill the bot there).
    on_delivered: Callable[[], None] | None = None
    _changed: asyncio.Condition | None = None
    _closing: bool = False
    _runner: web.AppRunner | None = None
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(5000))
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    port: int = 0
    # Flood limits, when a test or benchmark turns them on: messages a second overall (a
    # sliding one-second window) and per chat (a bucket of `chat_burst` refilled at 1/s).
    overall_rate: float | None = None
    chat_burst: int = 3
    sent_times: list[float] = field(default_factory=list)
    throttled: int = 0
    _chat_buckets: dict[int, tuple[float, float]] = field(default_factory=dict)
    # Called on setWebhook before it is answered (a test checks the bot already listens).
    on_set_webhook: Callable[[dict[str, Any]], Awaitable[None]] | None = None

    # --- lifecycle -----------------------------------------------------------------

    async def start(self) -> FakeTelegram:
        """Listen on a free port of 127.0.0.1."""
        self._changed = asyncio.Condition()
        app = web.Application()
        app.router.add_post("/bot{token}/{method}", self._api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        return self

    async def close(self) -> None:
        """Wake long polls and stop serving."""
        self._closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        """TELEGRAM_API_URL for this fake."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def file_url(self) -> str:
        """TELEGRAM_FILE_URL for this fake."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # --- what the test does --------------------------------------------------------

    def fail(
        self, method: str, status: int, times: int = 1, after: int = 0,
        chat: int | None = None, **extra: Any,
    ) -> None:  # fmt: skip
        """Answer `times` calls of `method` (to `chat` only, if given) with this error, once
        `after` more have succeeded.

        fail("sendMessage", 429, retry_after=1) · fail("sendMessage", 403,
        description="Forbidden: bot was blocked by the user") · fail("sendMessage", 500)
        """
        body: dict[str, Any] = {"ok": False, "error_code": status}
        body["description"] = extra.pop("description", f"Error {status}")
        if "retry_after" in extra:
            body["parameters"] = {"retry_after": extra.pop("retry_after")}
        failures = self._failures[method] if chat is None else self._chat_failures[(method, chat)]
        failures += [None] * after + [(status, body)] * times

    def sent_at(self, chat_id: int | None = None) -> list[float]:
        """When each accepted sendMessage/sendPhoto came (to `chat_id`, or any), in order."""
        return [c.at for c in self.calls if c.method in ("sendMessage", "sendPhoto")
                and c.status == 200
                and (chat_id is None or int(c.params.get("chat_id", 0)) == chat_id)]  # fmt: skip

    def push(self, update: dict[str, Any]) -> int:
        """Queue an update for getUpdates; returns its update_id."""
        self._queue.append(update)
        asyncio.get_running_loop().create_task(self._notify())
        return int(update["update_id"])

    async def wait_confirmed(self, update_id: int, within: float = 10) -> None:
        """Until the bot asked for updates past this one (so it finished handling it)."""
        await self.wait_for(lambda: self.offset > update_id, within)

    async def wait_for(self, check: Callable[[], bool], within: float = 10) -> None:
        """Until `check()` holds (after some request), or fail after `within` seconds."""
        assert self._changed is not None
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(check)

    def called(self, method: str) -> list[dict[str, Any]]:
        """The params of every call of `method`, oldest first."""
        return [c.params for c in self.calls if c.method == method]

    def button(self, chat_id: int, label_part: str) -> tuple[Sent, str]:
        """The newest message in this chat with a button whose label contains `label_part`."""
        for sent in reversed(self.chats[chat_id]):
            for label, data in (key for row in sent.keyboard for key in row):
                if label_part in label:
                    return sent, data
        shown = [s.labels for s in self.chats[chat_id][-3:]]
        raise AssertionError(f"no button containing {label_part!r}; last keyboards: {shown}")

    # --- updates as Telegram would send them ---------------------------------------

    def message(self, person: Person, text: str | None = None, **content: Any) -> dict[str, Any]:
        """A message update: text, or content such as photo=[…], sticker={…}, location={…}."""
        message: dict[str, Any] = {
            "message_id": next(self._message_ids) + 100_000,
            "date": int(time.time()),
            "from": person.as_api(),
            "chat": content.pop("chat", person.chat()),
            **content,
        }
        if text is not None:
            message["text"] = text
            if text.startswith("/"):
                length = len(text.split()[0])
                message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        return {"update_id": next(self._update_ids), "message": message}

    def press(self, person: Person, label_part: str) -> dict[str, Any]:
        """A callback query for the newest button in their chat whose label contains this."""
        sent, data = self.button(person.id, label_part)
        return self.callback(person, sent, data)

    def callback(self, person: Person, sent: Sent, data: str) -> dict[str, Any]:
        """A callback query from pressing a button of `sent` with this data."""
        query = {
            "id": f"cq{next(self._update_ids)}",
            "from": person.as_api(),
            "chat_instance": f"ci{person.id}",
            "message": sent.as_api(person.id),
            "data": data,
        }
        return {"update_id": next(self._update_ids), "callback_query": query}

    def member(self, person: Person, status: str) -> dict[str, Any]:
        """A my_chat_member update: the person blocked ("kicked") or restarted the bot."""
        bot = {"id": BOT_ID, "is_bot": True, "first_name": "Prasan"}
        change = {
            "chat": person.chat(),
            "from": person.as_api(),
            "date": int(time.time()),
            "old_chat_member": {"status": "member", "user": bot},
            "new_chat_member": {"status": status, "user": bot, "until_date": 0},
        }
        return {"update_id": next(self._update_ids), "my_chat_member": change}

    # --- the Bot API ---------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params, self.clock())
        self.calls.append(call)
        try:
            chat = params.get("chat_id")
            key = (method, int(chat)) if str(chat).lstrip("-").isdigit() else None
            failures = self._chat_failures.get(key) if key is not None else None
            if not failures:
                failures = self._failures[method]
            failure = failures.pop(0) if failures else None
            if failure is not None:
                status, body = failure
                call.status = status
                return web.json_response(body, status=status)
            handler = getattr(self, f"_m_{method}", None)
            if handler is None:
                call.status = 404
                return web.json_response(
                    {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
                )
            try:
                result = await handler(params)
            except web.HTTPException as exc:
                call.status = exc.status
                raise
            return web.json_response({"ok": True, "result": result})
        finally:
            await self._notify()

    async def _file(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return web.Response(status=401)
        data = self.files.get(request.match_info["path"])
        return web.Response(body=data) if data is not None else web.Response(status=404)

    async def _notify(self) -> None:
        if self._changed is not None:
            async with self._changed:
                self._changed.notify_all()

    async def _m_getMe(self, p: dict[str, Any]) -> Any:
        return {"id": BOT_ID, "is_bot": True, "first_name": "Prasan", "username": "prasan_bot"}

    async def _m_getUpdates(self, p: dict[str, Any]) -> Any:
        offset = int(p.get("offset") or 0)
        self.offset = max(self.offset, offset)
        self._queue = [u for u in self._queue if u["update_id"] >= offset]
        await self._notify()
        assert self._changed is not None
        # Long poll: hold the request until something arrives, the timeout, or close().
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(float(p.get("timeout") or 0)), self._changed:
                await self._changed.wait_for(lambda: bool(self._queue) or self._closing)
        # As Telegram does, an update stays until a later request's offset confirms it.
        return self._queue[:100]

    async def _m_setWebhook(self, p: dict[str, Any]) -> Any:
        if self.on_set_webhook is not None:
            await self.on_set_webhook(p)
        self.webhook = p
        return True

    async def _m_deleteWebhook(self, p: dict[str, Any]) -> Any:
        self.webhook = None
        return True

    # What `prasan webhooks info` reads; a test sets webhook_error to see it reported.
    webhook_error: str | None = None

    async def _m_getWebhookInfo(self, p: dict[str, Any]) -> Any:
        info: dict[str, Any] = {"url": (self.webhook or {}).get("url", ""),
                                "has_custom_certificate": False,
                                "pending_update_count": len(self._queue)}  # fmt: skip
        if self.webhook_error is not None:
            info |= {"last_error_date": 1795996800, "last_error_message": self.webhook_error}
        return info

    async def _m_setMyCommands(self, p: dict[str, Any]) -> Any:
        return True

    async def _m_answerCallbackQuery(self, p: dict[str, Any]) -> Any:
        return True

    async def _m_sendMessage(self, p: dict[str, Any]) -> Any:
        self._flood_check(int(p["chat_id"]))
        return self._record(p, p["text"])

    def _flood_check(self, chat_id: int) -> None:
        """429 with retry_after, as Telegram answers a bot over its limits."""
        if self.overall_rate is None:
            return
        now = time.monotonic()
        while self.sent_times and now - self.sent_times[0] >= 1.0:
            self.sent_times.pop(0)
        tokens, at = self._chat_buckets.get(chat_id, (float(self.chat_burst), now))
        tokens = min(float(self.chat_burst), tokens + (now - at))
        if len(self.sent_times) >= self.overall_rate or tokens < 1.0:
            self.throttled += 1
            body = {"ok": False, "error_code": 429, "description": "Too Many Requests: retry "
                    "after 1", "parameters": {"retry_after": 1}}  # fmt: skip
            raise web.HTTPTooManyRequests(text=json.dumps(body), content_type="application/json")
        self._chat_buckets[chat_id] = (tokens - 1.0, now)
        self.sent_times.append(now)

    async def _m_sendPhoto(self, p: dict[str, Any]) -> Any:
        photo = p["photo"]
        if isinstance(photo, bytes):  # an upload: keep the bytes under a new file_id
            file_id = f"upload-{len(self.uploads) + 1}"
            self.uploads[file_id] = photo
            photo = file_id
        return self._record(p, p.get("caption", ""), photo=photo)

    async def _m_editMessageText(self, p: dict[str, Any]) -> Any:
        sent = self._find(p)
        sent.text, sent.keyboard, sent.edits = p["text"], _keyboard(p), sent.edits + 1
        return sent.as_api(int(p["chat_id"]))

    async def _m_editMessageReplyMarkup(self, p: dict[str, Any]) -> Any:
        sent = self._find(p)
        sent.keyboard, sent.edits = _keyboard(p), sent.edits + 1
        return sent.as_api(int(p["chat_id"]))

    async def _m_getFile(self, p: dict[str, Any]) -> Any:
        path = f"photos/{p['file_id']}.jpg"
        size = len(self.files.get(path, b""))
        return {"file_id": p["file_id"], "file_unique_id": "u1", "file_size": size,
                "file_path": path}  # fmt: skip

    def _record(self, p: dict[str, Any], text: str, photo: str | None = None) -> Any:
        chat_id = int(p["chat_id"])
        sent = Sent(next(self._message_ids), text, _keyboard(p), photo)
        self.chats[chat_id].append(sent)
        if self.on_delivered is not None:
            self.on_delivered()
        return sent.as_api(chat_id)

    def _find(self, p: dict[str, Any]) -> Sent:
        for sent in self.chats[int(p["chat_id"])]:
            if sent.message_id == int(p["message_id"]):
                return sent
        raise web.HTTPBadRequest(text='{"ok":false,"description":"message to edit not found"}')


async def _params(request: web.Request) -> dict[str, Any]:
    if request.content_type == "application/json":
        return dict(await request.json())
    form = await request.post()
    return {
        k: v.file.read() if isinstance(v, web.FileField)
        else json.loads(str(v)) if k in _JSON_FIELDS else str(v)
        for k, v in form.items()
    }  # fmt: skip


def _keyboard(p: dict[str, Any]) -> list[list[tuple[str, str]]]:
    markup = p.get("reply_markup") or {}
    rows = markup.get("inline_keyboard", [])
    return [[(key["text"], key["callback_data"]) for key in row] for row in rows]
