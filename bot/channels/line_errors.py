"""LINE failures → the shared channel error vocabulary, and the retry keys that make pushes safe."""

from __future__ import annotations

import json
import uuid
from typing import Any

from bot.channels.errors import (
    AlreadyDelivered,
    ChannelError,
    ConfigError,
    ConnectionFailed,
    ReplyTokenInvalid,
    Throttled,
)

THROTTLED_DEFAULT = 30.0  # LINE documents no Retry-After on 429; wait this long unless told
MONTHLY_LIMIT_WAIT = 3600.0  # a free plan's monthly quota will not reset in 30 seconds


class ContentTooLarge(ChannelError):
    """The media is bigger than the caller allows."""


def translate(status: int, body: Any, headers: Any = None) -> ChannelError:
    """Map a LINE error response onto the channel error vocabulary."""
    message = error_message(body)
    if status == 400 and "reply token" in message.lower():
        return ReplyTokenInvalid(message)
    if status == 409:
        return AlreadyDelivered(message)
    if status == 429:
        # 429 is a rate limit or, on free plans, the monthly message quota.
        # https://developers.line.biz/en/reference/messaging-api/#status-codes
        if "monthly limit" in message.lower():
            return Throttled(MONTHLY_LIMIT_WAIT, message)
        return Throttled(retry_after(headers), message)
    if status >= 500 or status == 0:
        return ConnectionFailed(f"LINE {status}: {message}")
    # A push to a user who blocked the bot is answered 200 (and silently dropped), so LINE never
    # says "blocked" here: the unfollow webhook event is how we learn it.
    # https://developers.line.biz/en/faq/tags/message/
    return ConfigError(f"LINE {status}: {message}")


def part_key(retry_key: str | None, part: int) -> str | None:
    """The X-Line-Retry-Key of call number `part` of one send: stable, so a retry repeats it."""
    if retry_key is None:
        return None
    try:
        base = uuid.UUID(retry_key)
    except ValueError:  # LINE wants a UUID; derive one from any other key
        base = uuid.uuid5(uuid.NAMESPACE_URL, retry_key)
    return str(base) if part == 0 else str(uuid.uuid5(base, f"part-{part}"))


def error_message(body: Any) -> str:
    """The `message` of a LINE error body (it names properties, never message text)."""
    try:
        parsed = json.loads(body) if isinstance(body, str | bytes) else body
    except ValueError:
        return ""
    return str(parsed.get("message", ""))[:200] if isinstance(parsed, dict) else ""


def retry_after(headers: Any) -> float:
    """Seconds from a Retry-After header, or the default wait."""
    try:
        value = float((headers or {}).get("Retry-After", ""))
    except (TypeError, ValueError):
        return THROTTLED_DEFAULT
    return value if value > 0 else THROTTLED_DEFAULT
