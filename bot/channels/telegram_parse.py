"""Telegram updates in, `Incoming` out: the receive half of the Telegram adapter.

One update is one `Incoming`; `event_id` is the update id, which is what Telegram repeats
when it redelivers, so the inbox dedupes redeliveries. Updates nobody needs to answer
(service messages, a private chat being restarted) parse to None.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from telegram import CallbackQuery, Chat, ChatMemberUpdated, Message, Update, User
from telegram.constants import ChatMemberStatus, ChatType

from bot.messages import Incoming

CHANNEL = "telegram"
# What we ask Telegram for (getUpdates and setWebhook `allowed_updates`); edits, channel
# posts and inline queries are never requested, so they never need parsing.
ALLOWED_UPDATES = ("message", "callback_query", "my_chat_member")
_GROUPS = {ChatType.GROUP, ChatType.SUPERGROUP, ChatType.CHANNEL}
_GONE = {ChatMemberStatus.BANNED, ChatMemberStatus.LEFT}  # BANNED is "kicked": the bot was blocked

# Message content we do not read, by the attribute that carries it, in checking order
# (an animation also fills `document`, so it is checked first).
_OTHER_KINDS: tuple[tuple[str, str], ...] = (
    ("sticker", "sticker"),
    ("voice", "voice"),
    ("audio", "audio"),
    ("video_note", "video"),
    ("animation", "video"),
    ("video", "video"),
    ("document", "file"),
    ("contact", "contact"),
    ("poll", "poll"),
    ("dice", "dice"),
    ("game", "game"),
    ("story", "story"),
)


def _base(
    update_id: int, user: User | None, chat: Chat | None, date: datetime | None
) -> dict[str, Any]:
    """The fields every Incoming from this update shares."""
    name = " ".join(p for p in (user.first_name, user.last_name) if p) if user else ""
    language = (user.language_code or "")[:2].lower() if user else ""
    owner = user.id if user is not None else chat.id if chat is not None else 0
    return {
        "channel": CHANNEL,
        "user_id": str(owner),
        "event_id": str(update_id),
        "display_name": name or None,
        "language_hint": language or None,
        "received_at": date.timestamp() if date else time.time(),
    }


def _in_group(chat: Chat | None, base: dict[str, Any]) -> Incoming | None:
    """Group chats get one polite answer, addressed to the group itself."""
    if chat is None or chat.type not in _GROUPS:
        return None
    return Incoming(**{**base, "user_id": str(chat.id)}, kind="group")


def _photo(message: Message) -> str | None:
    """The file_id of the largest size; an image sent "as a file" counts as a photo too."""
    if message.photo:
        return max(message.photo, key=lambda p: p.width * p.height).file_id
    doc = message.document
    if doc is not None and (doc.mime_type or "").startswith("image/"):
        return doc.file_id
    return None


# {"update_id": 815200113,
#  "message": {"message_id": 42, "date": 1763700000,
#              "from": {"id": 5550001, "is_bot": false, "first_name": "สมชาย",
#                       "last_name": "ใจดี", "language_code": "th"},
#              "chat": {"id": 5550001, "type": "private", "first_name": "สมชาย"},
#              "text": "/start K7MQ4-XPD9R",
#              "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
# A photo has "photo": [{"file_id": "AgAC…", "width": 90, "height": 67, …}, …] (smallest
# first) and an optional "caption"; a location has "location": {"latitude", "longitude"}.
def _message(message: Message, base: dict[str, Any]) -> Incoming | None:
    if message.chat.type in _GROUPS:
        # Bots see only commands and replies in groups; joins and pins need no answer.
        return _in_group(message.chat, base) if message.text else None
    photo = _photo(message)
    if photo is not None:
        return Incoming(kind="photo", photo=photo, text=message.caption, **base)
    place = message.location or (message.venue.location if message.venue else None)
    if place is not None:
        return Incoming(kind="location", latitude=place.latitude, longitude=place.longitude,
                        **base)  # fmt: skip
    if message.text is not None:
        return Incoming(text=message.text, **base)
    for attribute, kind in _OTHER_KINDS:
        if getattr(message, attribute, None):
            return Incoming(kind=kind, **base)
    return None  # a service message (pinned, auto-delete timer, …)


# {"update_id": 815200114,
#  "callback_query": {"id": "4382bfdwdsb323b2d9", "chat_instance": "-8142",
#                     "from": {"id": 5550001, "is_bot": false, "first_name": "สมชาย"},
#                     "message": {"message_id": 43, "date": 1763700005, "chat": {…},
#                                 "text": "…", "reply_markup": {"inline_keyboard": […]}},
#                     "data": "m:progress"}}
def _callback(query: CallbackQuery, base: dict[str, Any]) -> Incoming | None:
    chat = query.message.chat if query.message is not None else None
    grouped = _in_group(chat, base)
    if grouped is not None:
        return grouped
    if query.data is None:  # game buttons carry no data; nothing of ours sends them
        return None
    return Incoming(data=query.data, **base)


# {"update_id": 815200120,
#  "my_chat_member": {"chat": {"id": 5550001, "type": "private", …}, "from": {…},
#                     "date": 1763700100,
#                     "old_chat_member": {"status": "member", "user": {<the bot>}},
#                     "new_chat_member": {"status": "kicked", "user": {<the bot>},
#                                         "until_date": 0}}}
def _membership(change: ChatMemberUpdated, base: dict[str, Any]) -> Incoming | None:
    if change.new_chat_member.status in _GONE:
        # In a private chat "kicked" means the person blocked the bot.
        return Incoming(**{**base, "user_id": str(change.chat.id)}, kind="unfollow")
    # Added to a group: say once that we only work one to one. A private chat that is
    # (re)started is followed by its /start message, which gets the answer.
    return _in_group(change.chat, base)


_PARSERS: tuple[tuple[str, Callable[[Any, dict[str, Any]], Incoming | None]], ...] = (
    ("message", _message),
    ("callback_query", _callback),
    ("my_chat_member", _membership),
)


def parse_update(update: Update) -> Incoming | None:
    """The Incoming for one Bot API update, or None when there is nothing to answer."""
    for attribute, parse in _PARSERS:
        part = getattr(update, attribute)
        if part is None:
            continue
        chat = part.message.chat if isinstance(part, CallbackQuery) and part.message else None
        chat = getattr(part, "chat", chat)
        base = _base(update.update_id, part.from_user, chat, getattr(part, "date", None))
        return parse(part, base)
    return None
