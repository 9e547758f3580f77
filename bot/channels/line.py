"""The LINE channel: a signed webhook in, the Messaging API out (line-bot-sdk 3, async).

Receive: POST /webhooks/line → verify X-Line-Signature → persist each event in the
inbox → answer 200 → process in the background. Send: reply token first, push
(with X-Line-Retry-Key) when the token is stale or refused. Parsing lives in
`line_parse`, rendering in `line_render`, error mapping in `line_errors`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections.abc import Awaitable, Callable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import aiohttp
from aiohttp import web
from aiohttp.helpers import get_env_proxy_for_url
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiException,
    AsyncApiClient,
    AsyncMessagingApi,
    Configuration,
    Message,
    QuickReply,
)
from linebot.v3.webhook import WebhookParser
from pydantic import ValidationError
from yarl import URL

from bot.channels.errors import AlreadyDelivered, ConfigError, ConnectionFailed, Throttled
from bot.channels.line_errors import ContentTooLarge, part_key, translate
from bot.channels.line_parse import CHANNEL, parse_event
from bot.channels.line_render import calls, render
from bot.logsafe import log_failure
from bot.messages import Incoming, Outgoing
from bot.outbox_policy import Pause, Spacer

if TYPE_CHECKING:
    from bot.inbound import Inbound
    from bot.runtime import Runtime

__all__ = ["WEBHOOK_PATH", "ContentTooLarge", "LineChannel", "start_channel"]

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/line"
REQUEST_TIMEOUT = 20.0  # seconds; the SDK's default is five minutes
# https://developers.line.biz/en/reference/messaging-api/#send-multicast-message
MULTICAST_MAX = 500
# https://developers.line.biz/en/reference/messaging-api/#send-reply-message (and push, multicast)
REPLY, PUSH, MULTICAST = (
    "/v2/bot/message/reply",
    "/v2/bot/message/push",
    "/v2/bot/message/multicast",
)

# A wrong signature, or a body that is not LINE's JSON (UnicodeDecodeError is a ValueError).
BAD_REQUEST = (InvalidSignatureError, ValueError, LookupError, TypeError, AttributeError)

Call = Callable[..., Awaitable[Any]]


class LineChannel:
    """Renders `Outgoing` as LINE messages and receives LINE's webhook."""

    name = CHANNEL

    def __init__(
        self,
        inbound: Inbound,
        *,
        secret: str,
        token: str,
        api_url: str,
        data_url: str,
        receive: bool = True,
    ) -> None:
        """Build the SDK clients; call inside the running loop (they open aiohttp sessions)."""
        self.inbound = inbound
        self.receive = receive
        self.parser = WebhookParser(secret)
        self._token = token
        # One client per host (messaging, data), so a fake or a proxy can stand in for both.
        self._api_client = _without_env_lookups(AsyncApiClient(_config(api_url, token)))
        self._data_client = _without_env_lookups(AsyncApiClient(_config(data_url, token)))
        self.api = AsyncMessagingApi(self._api_client)
        self._tasks: set[asyncio.Task[None]] = set()
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self._stopping = False
        # LINE's rate limits: push 2,000 and multicast 200 requests a second; a little under.
        # https://developers.line.biz/en/reference/messaging-api/#rate-limits
        self._push_pace = Spacer(1900, per_second=2000)
        self._multicast_pace = Spacer(190, per_second=200)
        self.pause = Pause()  # a 429's Retry-After, for the whole channel

    # ---- receive ---------------------------------------------------------------------

    def add_routes(self, app: web.Application) -> None:
        """Serve the webhook on the shared web server (only in a receiving process)."""
        if self.receive:
            app.router.add_post(WEBHOOK_PATH, self.webhook)

    async def webhook(self, request: web.Request) -> web.Response:
        """Verify, persist, answer 200, then process in the background."""
        signature = request.headers.get("X-Line-Signature", "")
        raw = await request.read()
        try:
            # WebhookParser checks the HMAC over the raw body before it parses anything.
            events = self.parser.parse(raw.decode("utf-8"), signature) if signature else None
        except BAD_REQUEST:
            events = None
        if events is None:
            log.warning("LINE webhook refused: missing or invalid signature, or a bad body")
            return web.Response(status=400, text="bad request")
        incs = [inc for inc in map(parse_event, events) if inc is not None]
        try:
            # One transaction (one fsync) for all events of the request, before the 200.
            ids = await self.inbound.accept_many(incs)
        except Exception as exc:  # storage is down: a 5xx lets LINE redeliver
            log_failure(log, "LINE events store (answering 500)", exc, events=len(incs))
            return web.Response(status=500, text="retry later")
        accepted: list[tuple[Incoming, int]] = []
        for inc, inbox_id in zip(incs, ids, strict=True):
            if inbox_id is None:
                log.info("LINE event seen before, skipped event=%s", inc.event_id)
                continue
            accepted.append((inc, inbox_id))
        # Accepted events are safe in the inbox; while stopping, recover() takes them next start.
        if not self._stopping:
            by_user: dict[str, list[tuple[Incoming, int]]] = {}
            for inc, inbox_id in accepted:
                by_user.setdefault(inc.user_id, []).append((inc, inbox_id))
            for user_id, events in by_user.items():
                task = asyncio.create_task(self._process(user_id, events))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
        return web.Response(status=200, text="OK")

    async def _process(self, user_id: str, events: list[tuple[Incoming, int]]) -> None:
        # One user's events run in arrival order, even when they came in separate requests:
        # tasks start in creation order and asyncio.Lock hands over first come, first served.
        async with self._locks.setdefault(user_id, asyncio.Lock()):
            for inc, inbox_id in events:
                try:
                    await self.inbound.process(inc, inbox_id)
                except Exception as exc:  # by type only: storage errors can quote message text
                    log_failure(log, "LINE event", exc, event=inc.event_id)

    async def drain(self) -> None:
        """Wait until every event received so far has been processed."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def stop(self) -> None:
        """Finish background work and close the HTTP sessions."""
        self._stopping = True
        await self.drain()
        await self._api_client.close()
        await self._data_client.close()

    # ---- send ------------------------------------------------------------------------

    async def send(
        self,
        recipient: str,
        messages: Sequence[Outgoing],
        *,
        reply_token: str | None = None,
        retry_key: str | None = None,
    ) -> None:
        """Reply with the token if it all fits one call, else push; ≤ 5 message objects a call.

        A refused reply token raises ReplyTokenInvalid: the sender decides whether to push
        (it knows whether an earlier attempt may have used the token).
        """
        batches = checked_for_line(calls(render(messages)))
        if reply_token and len(batches) == 1:
            # A reply carries no retry key: only a one-call reply can be known delivered or
            # not as a whole. (https://developers.line.biz/en/reference/messaging-api/#send-reply-message)
            await self._post(REPLY, {"replyToken": reply_token, "messages": batches[0]})
            return
        for i, batch in enumerate(batches):
            await self._push_pace.turn(self.pause.check)
            await self._keyed(PUSH, {"to": recipient, "messages": batch}, part_key(retry_key, i))

    async def multicast(
        self, recipients: Sequence[str], messages: Sequence[Outgoing], *, retry_key: str | None
    ) -> None:
        """Send the same messages to many users, 500 a call, each call with its own retry key."""
        batches = checked_for_line(calls(render(messages)))
        part = 0
        for start in range(0, len(recipients), MULTICAST_MAX):
            to = list(recipients[start : start + MULTICAST_MAX])
            for batch in batches:
                await self._multicast_pace.turn(self.pause.check)
                await self._keyed(MULTICAST, {"to": to, "messages": batch},
                                  part_key(retry_key, part))  # fmt: skip
                part += 1

    async def quota(self) -> tuple[int, int | None]:
        """Messages counted this month, and the monthly limit (None: no limit)."""
        # https://developers.line.biz/en/reference/messaging-api/#get-quota
        limit = await self._api(self.api.get_message_quota)
        used = await self._api(self.api.get_message_quota_consumption)
        kind = getattr(limit, "type", None)
        kind = getattr(kind, "value", kind)  # the SDK gives an enum
        value = getattr(limit, "value", None) if kind == "limited" else None
        return int(getattr(used, "total_usage", 0) or 0), value

    async def _keyed(self, path: str, body: dict[str, Any], key: str | None) -> None:
        try:
            await self._post(path, body, key)
        except AlreadyDelivered:
            # 409: a request with this retry key was accepted before, so this part is delivered.
            # https://developers.line.biz/en/docs/messaging-api/retrying-api-request/
            log.info("LINE retry key already accepted; not sent again")

    async def _post(self, path: str, body: dict[str, Any], retry_key: str | None = None) -> None:
        """POST a body already in LINE's JSON (see `checked_for_line`) through the SDK's client.

        Its typed request models would rebuild and re-serialise every reply (~3 ms of
        pydantic per reply, measured): the body goes as it is.
        """
        headers = {"Accept": "application/json", "Content-Type": "application/json"}
        if retry_key is not None:
            headers["X-Line-Retry-Key"] = retry_key
        await self._api(self._api_client.call_api, path, "POST", {}, [], headers, body=body,
                        response_types_map={}, auth_settings=["Bearer"],
                        _return_http_data_only=True)  # fmt: skip

    async def _api(self, call: Call, *args: Any, **kw: Any) -> Any:
        self.pause.check()  # after a 429, nothing goes to LINE until Retry-After has passed
        try:
            return await call(*args, _request_timeout=REQUEST_TIMEOUT, **kw)
        except ValidationError:
            # A 2xx whose body the SDK cannot read (e.g. no sentMessages) was still accepted:
            # treating it as a failure would send the messages a second time.
            log.warning("LINE accepted the request but its response was not understood")
            return None
        except ApiException as exc:
            error = translate(exc.status or 0, exc.body, exc.headers)
            if isinstance(error, Throttled):
                self.pause.hold(error.retry_after)
            raise error from None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ConnectionFailed(f"LINE unreachable: {type(exc).__name__}") from None

    # ---- content ---------------------------------------------------------------------

    async def fetch_content(self, message_id: str, max_bytes: int) -> bytes:
        """Download the image (or other media) of a user's message, refusing over `max_bytes`."""
        # AsyncMessagingApiBlob buffers the whole body (its `_preload_content=False` mode breaks
        # in AsyncApiClient), so the data-API client streams the same endpoint with a cap here.
        # https://developers.line.biz/en/reference/messaging-api/#get-content
        path = f"/v2/bot/message/{quote(message_id, safe='')}/content"
        url = self._data_client.configuration.host + path
        headers = {"Authorization": f"Bearer {self._token}", "Accept": "*/*"}
        try:
            resp = await self._data_client.request(
                "GET", url, headers=headers, _preload_content=False, _request_timeout=60.0
            )
            try:
                if resp.status >= 300:
                    body = await resp.content.read(2000)
                    raise translate(resp.status, body.decode("utf-8", "replace"), resp.headers)
                if (resp.content_length or 0) > max_bytes:
                    raise ContentTooLarge(f"{resp.content_length} bytes > {max_bytes}")
                data = bytearray()
                async for chunk in resp.content.iter_chunked(64 * 1024):
                    data += chunk
                    if len(data) > max_bytes:
                        raise ContentTooLarge(f"more than {max_bytes} bytes")
                return bytes(data)
            finally:
                resp.release()
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            raise ConnectionFailed(f"LINE data API unreachable: {type(exc).__name__}") from None


async def start_channel(runtime: Runtime, receive: bool) -> LineChannel:
    """Create the LINE channel from settings (inside the running loop)."""
    s = runtime.settings
    if not s.line_enabled or not s.LINE_CHANNEL_SECRET or not s.LINE_CHANNEL_ACCESS_TOKEN:
        raise ConfigError("LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN must be set")
    return LineChannel(
        runtime.inbound,
        secret=s.LINE_CHANNEL_SECRET.get_secret_value(),
        token=s.LINE_CHANNEL_ACCESS_TOKEN.get_secret_value(),
        api_url=s.LINE_API_URL,
        data_url=s.LINE_DATA_API_URL,
        receive=receive,
    )


def _config(host: str, token: str) -> Configuration:
    config = Configuration(host=host.rstrip("/"), access_token=token)
    # A proxy from the environment (HTTPS_PROXY, NO_PROXY), read once: see _without_env_lookups.
    try:
        proxy, auth = get_env_proxy_for_url(URL(config.host))
    except LookupError:
        return config
    config.proxy = str(proxy)
    if auth is not None:
        config.proxy_headers = {"Proxy-Authorization": auth.encode()}
    return config


def _without_env_lookups(client: AsyncApiClient) -> AsyncApiClient:
    """The SDK's client on an aiohttp session that does not consult the environment per call.

    The SDK opens its session with trust_env=True, so every call looked up proxies and
    ~/.netrc in the default thread pool first: two thread hand-offs per reply, about a sixth
    of `prasan web`'s CPU under load (py-spy, benchmarks/bench_line_ceiling.py). `_config`
    reads the proxy once instead; the connector (pool size, TLS settings) is kept.
    """
    rest = client.rest_client
    old: aiohttp.ClientSession = rest.pool_manager
    rest.pool_manager = aiohttp.ClientSession(connector=old.connector, trust_env=False)
    old.detach()  # the new session owns (and closes) the connector
    return client


@lru_cache(maxsize=512)
def _check_quick_reply(as_json: str) -> None:
    QuickReply.from_dict(json.loads(as_json))


def checked_for_line(batches: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """The messages, checked against the SDK's models (its limits: postback data ≤ 300,
    13 quick-reply items…) so that one LINE would refuse fails at once, not on every retry.
    Quick replies (the menus) repeat: each distinct one is checked once."""
    try:
        for batch in batches:
            for message in batch:
                quick = message.get("quickReply")
                if quick is not None:
                    _check_quick_reply(json.dumps(quick, sort_keys=True, ensure_ascii=False))
                    message = {k: v for k, v in message.items() if k != "quickReply"}
                Message.from_dict(message)
    except ValueError as exc:
        raise ConfigError(f"a message LINE would refuse: {type(exc).__name__}") from None
    return batches
