"""A fake LINE Messaging API (and data API) the real line-bot-sdk talks to over HTTP.

It checks what LINE checks (bearer token, reply tokens used once, at most five
messages a call, 5000-character texts, 13 quick-reply items with 20-character
labels, retry keys), records every call, and keeps a per-user transcript of what
the bot said, so a test can press a quick reply by its label. It also builds
signed webhook bodies the way LINE does.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

SECRET = "test-channel-secret"
TOKEN = "test-channel-access-token"


def sign(body: bytes, secret: str = SECRET) -> str:
    """X-Line-Signature: base64 of HMAC-SHA256 of the raw body with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def utf16_len(text: str) -> int:
    """Characters as LINE counts them (a surrogate pair counts two)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass
class Call:
    """One request the bot made."""

    path: str
    body: dict[str, Any]
    headers: dict[str, str]
    status: int


@dataclass
class Failure:
    """An error to answer instead of handling the next calls."""

    status: int
    count: int
    message: str
    headers: dict[str, str] = field(default_factory=dict)
    after: int = 0  # let this many calls through first


class FakeLine:
    """Both LINE hosts on 127.0.0.1: `api_url` (messaging) and `data_url` (content)."""

    def __init__(
        self, token: str = TOKEN, reply_ttl: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:  # fmt: skip
        self.token = token
        self.reply_ttl = reply_ttl
        self.clock = clock  # seconds; a test may pass its movable clock
        self.calls: list[Call] = []
        self.transcript: dict[str, list[dict[str, Any]]] = {}
        self.contents: dict[str, tuple[bytes, str]] = {}
        self.failures: list[Failure] = []
        # Reply tokens: LINE answers 400 "Invalid reply token" both for a token used once
        # already and for one past its life, and says nothing else; these record which it was.
        self._tokens: dict[str, tuple[str, float]] = {}  # unused token → (user, issued at)
        self.used_tokens: set[str] = set()
        self.refused_tokens: Counter[str] = Counter()  # "used" / "expired" / "unknown"
        self._retry_keys: dict[str, str] = {}  # accepted retry key → request id
        self.accepted_keys: Counter[str] = Counter()  # retry key → calls delivered under it
        # Called once a call is delivered, before it is answered (a test may kill the bot
        # there: LINE accepted, the bot never heard).
        self.on_delivered: Callable[[], None] | None = None
        # The monthly message quota (None: unlimited) and what was used of it.
        self.deliveries: Counter[str] = Counter()  # accepted calls that reached each user
        self.delivered_by: dict[str, list[str]] = {}  # per user: reply / push / multicast
        self.quota_limit: int | None = None
        self.quota_used = 0
        # Requests per second allowed on multicast (LINE: 200); None: not enforced.
        self.multicast_rate: float | None = None
        self._multicast_times: list[float] = []
        self._runner: web.AppRunner | None = None
        self.api_url = self.data_url = ""

    async def start(self) -> FakeLine:
        """Listen on two free ports (messaging API and data API)."""
        app = web.Application()
        app.router.add_post("/v2/bot/message/reply", self._reply)
        app.router.add_post("/v2/bot/message/push", self._push)
        app.router.add_post("/v2/bot/message/multicast", self._multicast)
        app.router.add_get("/v2/bot/message/quota", self._quota)
        app.router.add_get("/v2/bot/message/quota/consumption", self._consumption)
        app.router.add_get("/v2/bot/message/{message_id}/content", self._content)
        app.router.add_post("/v2/bot/channel/webhook/test", self._webhook_test)  # prasan webhooks
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        ports = []
        for _ in range(2):
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            ports.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        self.api_url, self.data_url = (f"http://127.0.0.1:{p}" for p in ports)
        self._data_port = ports[1]
        return self

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    # ---- what a test controls -------------------------------------------------------

    def reply_token(self, user: str) -> str:
        """Issue a reply token for an event from `user` (it works once, for `reply_ttl`)."""
        token = uuid.uuid4().hex
        self._tokens[token] = (user, self.clock())
        return token

    def expire(self, token: str) -> None:
        """Make a reply token stale, as if a minute had passed."""
        user, _ = self._tokens[token]
        self._tokens[token] = (user, self.clock() - self.reply_ttl - 1)

    def fail_next(
        self,
        status: int,
        count: int = 1,
        message: str = "",
        retry_after: int | None = None,
        after: int = 0,
    ) -> None:
        """Answer `count` message calls (after letting `after` through) with this error."""
        headers = {"Retry-After": str(retry_after)} if retry_after is not None else {}
        failure = Failure(status, count, message or f"error {status}", headers, after)
        self.failures.append(failure)

    def messages_to(self, user: str) -> list[dict[str, Any]]:
        """Every message object the bot sent to `user`, in order."""
        return self.transcript.get(user, [])

    def texts(self, user: str) -> list[str]:
        """The texts the bot sent to `user`."""
        return [m["text"] for m in self.messages_to(user) if m.get("type") == "text"]

    def quick_replies(self, user: str) -> list[dict[str, Any]]:
        """The postback actions of the quick reply (or button card) now on `user`'s screen."""
        sent = self.messages_to(user)
        if not sent:
            return []
        last = sent[-1]
        items = (last.get("quickReply") or {}).get("items", [])
        actions = [i["action"] for i in items]
        if not actions and last.get("type") == "flex":
            actions = [c["action"] for c in _flex_buttons(last["contents"])]
        return actions

    def find_button(self, user: str, label_part: str) -> dict[str, Any]:
        """The quick-reply action whose label contains `label_part`."""
        actions = self.quick_replies(user)
        for action in actions:
            if label_part in action["label"]:
                return action
        raise AssertionError(
            f"no quick reply containing {label_part!r} in {[a['label'] for a in actions]}"
        )

    def calls_to(self, path_end: str) -> list[Call]:
        """Calls whose path ends with `path_end` (reply, push, multicast, content)."""
        return [c for c in self.calls if c.path.endswith(path_end)]

    # ---- the API ----------------------------------------------------------------------

    def _refuse(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Authentication failed. Confirm that the access token is valid.")
        if self.failures:
            failure = self.failures[0]
            if failure.after > 0:
                failure.after -= 1
                return None
            failure.count -= 1
            if failure.count <= 0:
                self.failures.pop(0)
            return _error(failure.status, failure.message, failure.headers)
        return None

    async def _record(self, request: web.Request) -> tuple[dict[str, Any], web.Response | None]:
        body = await request.json()
        refused = self._refuse(request) or _check_messages(body.get("messages"))
        status = refused.status if refused is not None else 200
        self.calls.append(Call(request.path, body, dict(request.headers), status))
        return body, refused

    async def _reply(self, request: web.Request) -> web.Response:
        body, refused = await self._record(request)
        if refused is not None:
            return refused
        token = body.get("replyToken", "")
        issued = self._tokens.get(token)
        if issued is None or self.clock() - issued[1] > self.reply_ttl:
            why = "used" if token in self.used_tokens else "expired" if issued else "unknown"
            self.refused_tokens[why] += 1
            self.calls[-1].status = 400
            return _error(400, "Invalid reply token")  # the same words for each reason
        del self._tokens[token]
        self.used_tokens.add(token)
        return self._deliver([issued[0]], body["messages"], how="reply")

    async def _push(self, request: web.Request) -> web.Response:
        body, refused = await self._record(request)
        if refused is not None:
            return refused
        return self._keyed(request, [body["to"]], body["messages"])

    async def _multicast(self, request: web.Request) -> web.Response:
        body, refused = await self._record(request)
        if refused is not None:
            return refused
        if self.multicast_rate is not None:
            # LINE's documented limit: 200 multicast requests a second, as a one-second window.
            now = time.monotonic()
            self._multicast_times = [t for t in self._multicast_times if now - t < 1.0]
            if len(self._multicast_times) >= self.multicast_rate:
                self.calls[-1].status = 429
                return _error(429, "Too Many Requests")
            self._multicast_times.append(now)
        if not 1 <= len(body["to"]) <= 500:
            self.calls[-1].status = 400
            return _error(400, "The property, 'to', in the request body is invalid")
        return self._keyed(request, body["to"], body["messages"], multicast=True)

    def _keyed(
        self, request: web.Request, to: list[str], messages: list[Any], multicast: bool = False
    ) -> web.Response:
        key = request.headers.get("X-Line-Retry-Key")
        if key is not None and key in self._retry_keys:
            self.calls[-1].status = 409
            return _error(
                409,
                "The retry key is already accepted",
                {"x-line-accepted-request-id": self._retry_keys[key]},
            )
        response = self._deliver(to, messages, multicast=multicast)
        if key is not None:
            self._retry_keys[key] = response.headers["x-line-request-id"]
            self.accepted_keys[key] += 1
        return response

    def _deliver(
        self, to: list[str], messages: list[Any], multicast: bool = False, how: str = "push"
    ) -> web.Response:
        for user in to:
            self.transcript.setdefault(user, []).extend(messages)
            self.deliveries[user] += 1
            self.delivered_by.setdefault(user, []).append("multicast" if multicast else how)
        if self.on_delivered is not None:
            self.on_delivered()
        sent = [{"id": uuid.uuid4().hex[:18], "quoteToken": uuid.uuid4().hex} for _ in messages]
        headers = {"x-line-request-id": str(uuid.uuid4())}
        return web.json_response({} if multicast else {"sentMessages": sent}, headers=headers)

    def _unauthorised(self, request: web.Request) -> web.Response | None:
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return _error(401, "Authentication failed. Confirm that the access token is valid.")
        return None

    async def _quota(self, request: web.Request) -> web.Response:
        refused = self._unauthorised(request)
        if refused is not None:
            return refused
        if self.quota_limit is None:
            return web.json_response({"type": "none"})
        return web.json_response({"type": "limited", "value": self.quota_limit})

    async def _consumption(self, request: web.Request) -> web.Response:
        refused = self._unauthorised(request)
        if refused is not None:
            return refused
        return web.json_response({"totalUsage": self.quota_used})

    async def _content(self, request: web.Request) -> web.StreamResponse:
        self.calls.append(Call(request.path, {}, dict(request.headers), 200))
        if request.url.port != self._data_port:  # content lives on the data host only
            self.calls[-1].status = 404
            return _error(404, "Not found")
        refused = self._refuse(request)
        if refused is not None:
            self.calls[-1].status = refused.status
            return refused
        found = self.contents.get(request.match_info["message_id"])
        if found is None:
            self.calls[-1].status = 404
            return _error(404, "Not found")
        return web.Response(body=found[0], content_type=found[1])

    # ---- the webhook endpoint test (`prasan webhooks`) -------------------------------------

    async def _webhook_test(self, request: web.Request) -> web.Response:
        """POST /v2/bot/channel/webhook/test: call `endpoint` with a signed empty event list."""
        refused = self._unauthorised(request)
        if refused is not None:
            return refused
        asked = await request.json()
        self.calls.append(Call(request.path, asked, dict(request.headers), 200))
        raw = body()  # LINE's verify request: no events, signed with the channel secret
        headers = {"X-Line-Signature": sign(raw), "Content-Type": "application/json"}
        status: int | None = None
        try:
            async with (
                aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
                http.post(asked["endpoint"], data=raw, headers=headers) as resp,
            ):
                status = resp.status
        except aiohttp.ClientError as exc:
            reason, detail = "COULD_NOT_CONNECT", type(exc).__name__
        else:
            reason = "OK" if status == 200 else "ERROR_STATUS_CODE"
            detail = f"{status}"
        return web.json_response({
            "success": status == 200, "timestamp": "2026-11-30T00:00:00Z",
            "statusCode": status or 0, "reason": reason, "detail": detail,
        })  # fmt: skip


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"message": message}, status=status, headers=headers)


def _check_messages(messages: Any) -> web.Response | None:
    """400 for what LINE refuses: 1–5 messages, texts ≤ 5000, ≤ 13 quick replies, labels ≤ 20."""
    if not isinstance(messages, list) or not 1 <= len(messages) <= 5:
        return _error(400, "Size must be between 1 and 5")
    for m in messages:
        if m.get("type") == "text" and not 1 <= utf16_len(m.get("text", "")) <= 5000:
            return _error(400, "The property, 'messages[].text', in the request body is invalid")
        items = (m.get("quickReply") or {}).get("items", [])
        if len(items) > 13 or any(utf16_len(i["action"].get("label", "")) > 20 for i in items):
            return _error(400, "The property, 'quickReply', in the request body is invalid")
        if m.get("type") == "image" and not all(
            str(m.get(k, "")).startswith("https://")
            for k in ("originalContentUrl", "previewImageUrl")
        ):
            return _error(400, "The property, 'originalContentUrl', in the request body is invalid")
        if m.get("type") == "flex" and not 1 <= len(m.get("altText", "")) <= 1500:
            return _error(400, "The property, 'altText', in the request body is invalid")
    return None


def _flex_buttons(node: Any) -> list[dict[str, Any]]:
    if isinstance(node, dict):
        if node.get("type") == "button":
            return [node]
        return [b for v in node.values() for b in _flex_buttons(v)]
    if isinstance(node, list):
        return [b for v in node for b in _flex_buttons(v)]
    return []


# ---- webhook bodies, as LINE builds them -------------------------------------------------


def event(
    user: str,
    reply_token: str | None = None,
    *,
    kind: str = "message",
    source: dict[str, str] | None = None,
    event_id: str | None = None,
    redelivery: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """One webhook event from `user` (message, postback, follow, unfollow, join…)."""
    out: dict[str, Any] = {
        "type": kind,
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "webhookEventId": event_id or uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": redelivery},
        "source": source or {"type": "user", "userId": user},
        **fields,
    }
    if reply_token is not None:
        out["replyToken"] = reply_token
    return out


def text_event(user: str, text: str, reply_token: str | None = None, **kw: Any) -> dict[str, Any]:
    """A text message event."""
    message = {"id": _message_id(), "type": "text", "quoteToken": uuid.uuid4().hex, "text": text}
    return event(user, reply_token, message=message, **kw)


def postback_event(user: str, data: str, reply_token: str | None = None) -> dict[str, Any]:
    """A postback event (a quick reply or button was pressed)."""
    return event(user, reply_token, kind="postback", postback={"data": data})


def follow_event(user: str, reply_token: str | None = None) -> dict[str, Any]:
    """The user added the bot as a friend."""
    return event(user, reply_token, kind="follow", follow={"isUnblocked": False})


def image_event(user: str, message_id: str, reply_token: str | None = None) -> dict[str, Any]:
    """An image message event (content is fetched later from the data API)."""
    message = {
        "id": message_id,
        "type": "image",
        "quoteToken": uuid.uuid4().hex,
        "contentProvider": {"type": "line"},
    }
    return event(user, reply_token, message=message)


def body(*events: dict[str, Any], destination: str = "Ubot0000000000000000000000000000") -> bytes:
    """The raw webhook body LINE posts."""
    return json.dumps(
        {"destination": destination, "events": list(events)}, ensure_ascii=False
    ).encode()


def _message_id() -> str:
    return str(uuid.uuid4().int)[:18]
