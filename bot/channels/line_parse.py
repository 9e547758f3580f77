"""LINE webhook events → `Incoming`: the receive half of the LINE channel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from linebot.v3.webhooks import (
    AudioMessageContent,
    Event,
    FileMessageContent,
    FollowEvent,
    GroupSource,
    ImageMessageContent,
    JoinEvent,
    LocationMessageContent,
    MessageEvent,
    PostbackEvent,
    RoomSource,
    StickerMessageContent,
    TextMessageContent,
    UnfollowEvent,
    VideoMessageContent,
)

from bot.messages import Incoming

CHANNEL = "line"

# What each kind of message content becomes (fields of Incoming).
MESSAGE_FIELDS: dict[type, Callable[[Any], dict[str, Any]]] = {
    TextMessageContent: lambda m: {"text": m.text},
    # Only the message id arrives; the bytes are fetched from the data API when needed.
    ImageMessageContent: lambda m: {"kind": "photo", "photo": m.id},
    LocationMessageContent: lambda m: {
        "kind": "location",
        "latitude": m.latitude,
        "longitude": m.longitude,
    },
    StickerMessageContent: lambda m: {"kind": "sticker"},
    AudioMessageContent: lambda m: {"kind": "voice"},
    VideoMessageContent: lambda m: {"kind": "video"},
    FileMessageContent: lambda m: {"kind": "file"},
}

# What each event type becomes; events not listed (unsend, leave, beacon…) are ignored.
EVENT_FIELDS: dict[type, Callable[[Any], dict[str, Any] | None]] = {
    MessageEvent: lambda e: MESSAGE_FIELDS.get(type(e.message), lambda m: None)(e.message),
    PostbackEvent: lambda e: {"data": e.postback.data},
    FollowEvent: lambda e: {"kind": "follow"},  # a new friend, or one who unblocked the bot
    UnfollowEvent: lambda e: {"kind": "unfollow"},  # the user blocked the bot
    JoinEvent: lambda e: {"kind": "group"},  # the bot was added to a group chat
}


# A sample webhook body (https://developers.line.biz/en/reference/messaging-api/#message-event):
# {"destination": "U8e742f61d673b39c7fff3cecb7536ef0",
#  "events": [{"type": "message", "mode": "active", "timestamp": 1763779200000,
#    "webhookEventId": "01JDB3K7Q8E5Z4N2M0V6X9C1TR",
#    "deliveryContext": {"isRedelivery": false},
#    "source": {"type": "user", "userId": "U4af4980629a8e5d1b8c2f0e6f1e2d3c4"},
#    "replyToken": "757913772c4646b784d4b7ce46d12671",
#    "message": {"id": "468789577898262530", "type": "text",
#                "quoteToken": "q3Plxr4AgKd...", "text": "จัดเวทีรับฟังปัญหาที่บ้านบางปู"}}]}
def parse_event(event: Event) -> Incoming | None:
    """One webhook event as an Incoming; None for events the bot does not act on."""
    # In standby mode another channel (a chat module) answers; we must not.
    # https://developers.line.biz/en/docs/partner-docs/module-technical-chat-control/
    to_fields = EVENT_FIELDS.get(type(event))
    if to_fields is None or str(getattr(event.mode, "value", event.mode)) != "active":
        return None
    source = event.source
    if source is None:
        return None
    fields = to_fields(event)
    if fields is None:
        return None
    # The bot works one to one; in a group or room it answers the chat itself (its id is where
    # a push would go), never a member who may not have added the bot as a friend.
    # https://developers.line.biz/en/docs/messaging-api/group-chats/
    if isinstance(source, GroupSource):
        user_id, fields = source.group_id, {"kind": "group"}
    elif isinstance(source, RoomSource):
        user_id, fields = source.room_id, {"kind": "group"}
    else:
        user_id = getattr(source, "user_id", None)
    if not user_id:
        return None
    return Incoming(
        channel=CHANNEL,
        user_id=user_id,
        # webhookEventId stays the same when LINE redelivers an event: the inbox dedupes on it.
        # https://developers.line.biz/en/docs/messaging-api/receiving-messages/#webhook-redelivery
        event_id=event.webhook_event_id,
        reply_token=getattr(event, "reply_token", None),
        received_at=event.timestamp / 1000,
        **fields,
    )
