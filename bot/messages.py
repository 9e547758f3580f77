"""The channel-agnostic message types every channel and flow speaks."""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field, fields, replace
from typing import Any


@dataclass(frozen=True)
class Button:
    """One choice offered to the user: a short label and the data a press sends back."""

    label: str
    data: str


@dataclass(frozen=True)
class Incoming:
    """One thing a person did, normalised from any platform.

    `data` is set when a button was pressed; `text` when something was typed
    (or a photo caption). `kind` names anything that is not text or a press
    (photo, location, sticker, voice, video, file, follow, unfollow, group).
    """

    channel: str
    user_id: str
    text: str | None = None
    data: str | None = None
    kind: str = "text"
    photo: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    event_id: str | None = None
    reply_token: str | None = None
    display_name: str | None = None
    language_hint: str | None = None
    received_at: float | None = None

    def to_json(self) -> str:
        """Serialise for the durable inbox."""
        # Not dataclasses.asdict: it deep-copies every field and this runs for every message.
        raw = {name: getattr(self, name) for name in _INCOMING_FIELDS}
        return json.dumps(raw, ensure_ascii=False, separators=(",", ":"))

    def scrubbed(self) -> Incoming:
        """This event with code points no database can store (lone surrogates) replaced by U+FFFD."""
        bad: dict[str, Any] = {
            name: scrub(value)
            for name in _TEXT_FIELDS
            if isinstance(value := getattr(self, name), str) and not _storable(value)
        }
        return replace(self, **bad) if bad else self

    @classmethod
    def from_json(cls, raw: str) -> Incoming:
        """Rebuild from the inbox."""
        return cls(**json.loads(raw))


_INCOMING_FIELDS = tuple(f.name for f in fields(Incoming))
_TEXT_FIELDS = tuple(f.name for f in fields(Incoming) if "str" in str(f.type))


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def scrub(text: str) -> str:
    """`text` with lone surrogates (from JSON escapes or undecodable bytes) replaced by U+FFFD."""
    # UTF-16 with surrogatepass pairs up what forms a pair; what is left alone cannot be decoded.
    return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")


@dataclass(frozen=True)
class Outgoing:
    """One message the bot says: text, optional buttons, optional image or card hint."""

    text: str
    buttons: tuple[Button, ...] = ()
    image_url: str | None = None
    # A channel may render a summary as a card (LINE Flex); plain text is always a valid rendering.
    card: dict[str, Any] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for the outbox payload."""
        out: dict[str, Any] = {"text": self.text}
        if self.buttons:
            out["buttons"] = [[b.label, b.data] for b in self.buttons]
        if self.image_url:
            out["image_url"] = self.image_url
        if self.card:
            out["card"] = self.card
        return out

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Outgoing:
        """Rebuild from an outbox payload."""
        return cls(
            text=raw["text"],
            buttons=tuple(Button(label, data) for label, data in raw.get("buttons", ())),
            image_url=raw.get("image_url"),
            card=raw.get("card"),
        )


class _Recent:
    """Payloads this process serialised lately, with the messages they came from.

    A reply is serialised into its outbox row in the writer thread and read back a moment
    later by the sender; parsing it again was ~5 % of the event loop's time per message.
    Keyed by the payload itself (its hash is kept on the string), so what is sent is
    always what the row holds; bounded, oldest out first.
    """

    SIZE = 512

    def __init__(self) -> None:
        self._items: dict[str, tuple[Outgoing, ...]] = {}
        self._lock = threading.Lock()  # written by the writer thread, read by the loop

    def put(self, raw: str, messages: tuple[Outgoing, ...]) -> None:
        with self._lock:
            self._items[raw] = messages
            if len(self._items) > self.SIZE:
                del self._items[next(iter(self._items))]

    def get(self, raw: str) -> tuple[Outgoing, ...] | None:
        with self._lock:
            return self._items.get(raw)


_recent = _Recent()


def dump_messages(messages: list[Outgoing] | tuple[Outgoing, ...]) -> str:
    """Serialise a reply (several messages) for the outbox."""
    raw = json.dumps([m.to_dict() for m in messages], ensure_ascii=False, separators=(",", ":"))
    _recent.put(raw, tuple(messages))
    return raw


def load_messages(raw: str) -> list[Outgoing]:
    """Inverse of dump_messages."""
    recent = _recent.get(raw)
    if recent is not None:
        return list(recent)
    return [Outgoing.from_dict(d) for d in json.loads(raw)]
