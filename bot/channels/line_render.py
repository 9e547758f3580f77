"""`Outgoing` → LINE message objects (plain JSON dicts), split to fit LINE's limits."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from typing import Any

from bot.messages import Button, Outgoing
from bot.textcut import shorten, utf16_len

# LINE counts characters in UTF-16 code units: an emoji outside the BMP counts two.
# https://developers.line.biz/en/docs/messaging-api/text-character-count/
MAX_TEXT = 5000  # https://developers.line.biz/en/reference/messaging-api/#text-message
MAX_PER_CALL = 5  # https://developers.line.biz/en/reference/messaging-api/#send-push-message
MAX_QUICK_REPLY = 13  # https://developers.line.biz/en/reference/messaging-api/#quick-reply
MAX_LABEL = 20  # https://developers.line.biz/en/reference/messaging-api/#postback-action
MAX_DISPLAY_TEXT = 300
MAX_ALT_TEXT = 400

Message = dict[str, Any]


def render(messages: Sequence[Outgoing]) -> list[Message]:
    """All message objects for one send; the buttons go on the very last object."""
    objects: list[Message] = []
    for message in messages:
        objects += [{"type": "text", "text": chunk} for chunk in split_text(message.text)]
        if message.image_url:
            objects.append(image(message.image_url))
    # LINE shows a quick reply only under the newest message, so the last buttons win.
    last = next((m for m in reversed(messages) if m.buttons), None)
    if last is None:
        return objects
    if not objects:
        objects.append({"type": "text", "text": "👇"})
    if len(last.buttons) > MAX_QUICK_REPLY:
        objects.append(button_card(last.text, last.buttons))
    else:
        objects[-1]["quickReply"] = {"items": [quick_reply_item(b) for b in last.buttons]}
    return objects


def calls(objects: list[Message]) -> list[list[Message]]:
    """Group message objects into API calls of at most five."""
    return [objects[i : i + MAX_PER_CALL] for i in range(0, len(objects), MAX_PER_CALL)]


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut a text into pieces LINE accepts, at a line break or space where possible."""
    chunks: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _fit(rest, limit)
        window = rest[:cut]
        brk = max(window.rfind("\n"), window.rfind(" "))
        if brk > cut // 2:
            cut = brk + 1
        else:  # no break in sight: at least keep a Thai vowel or tone mark with its consonant
            while cut > 1 and unicodedata.category(rest[cut]) in ("Mn", "Mc"):
                cut -= 1
        chunks.append(rest[:cut].rstrip("\n ") or rest[:cut])
        rest = rest[cut:]
    if rest.strip() or (rest and not chunks):
        chunks.append(rest)
    return chunks


def label(text: str, limit: int = MAX_LABEL) -> str:
    """A button label cut to LINE's limit (between Thai words) with an ellipsis."""
    return shorten(text, limit, utf16_len)


def postback(button: Button) -> Message:
    """A postback action; displayText shows the pressed label in the chat."""
    return {
        "type": "postback",
        "label": label(button.label),
        "data": button.data,
        "displayText": label(button.label, MAX_DISPLAY_TEXT),
    }


def quick_reply_item(button: Button) -> Message:
    """One quick-reply button."""
    return {"type": "action", "action": postback(button)}


def button_card(text: str, buttons: Sequence[Button]) -> Message:
    """A Flex bubble holding every button, for menus longer than a quick reply allows."""
    rows = [
        {"type": "button", "style": "secondary", "height": "sm", "action": postback(b)}
        for b in buttons
    ]
    first_line = next((line for line in text.splitlines() if line.strip()), "") or "เลือกด้านล่าง"
    return {
        "type": "flex",
        "altText": label(first_line, MAX_ALT_TEXT),
        "contents": {
            "type": "bubble",
            "body": {"type": "box", "layout": "vertical", "spacing": "sm", "contents": rows},
        },
    }


def image(url: str) -> Message:
    """An image message; LINE fetches only https URLs, so anything else goes as a link."""
    if not url.startswith("https://"):
        return {"type": "text", "text": f"🖼️ {url}"[:MAX_TEXT]}
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": url}


def _fit(text: str, limit: int) -> int:
    """The longest prefix (in code points) whose UTF-16 length is within `limit`."""
    units = 0
    for i, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)
