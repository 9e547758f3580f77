"""What every flow step receives, and the small helpers steps share."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from bot.i18n import Translator
from bot.messages import Button, Incoming, Outgoing
from handlers import words
from storage.queries_people import Identity, Person
from storage.store import Tx

MAX_TEXT = 3000  # a report longer than this is almost always a paste accident
CANCEL = "cancel"


@dataclass
class Ctx:
    """One inbound message being handled, inside one open transaction."""

    inc: Incoming
    tx: Tx
    t: Translator
    tz: ZoneInfo
    identity: Identity
    person: Person | None = None
    # Lookups several steps of one message need (the person's areas), made once.
    cache: dict[str, Any] = field(default_factory=dict)

    @property
    def lang(self) -> str:
        """The reader's language code."""
        return self.t.lang

    def say(
        self, text: str, buttons: list[Button] | tuple[Button, ...] = (), **kw: Any
    ) -> Outgoing:
        """A reply (text already translated)."""
        return Outgoing(text=text, buttons=tuple(buttons), **kw)


label_key = words.key  # what makes a typed answer match a button


def pick(ctx: Ctx, options: list[Button] | tuple[Button, ...]) -> str | None:
    """The chosen option's data: a press, its label typed (particles too), or a synonym."""
    if ctx.inc.data is not None:
        return ctx.inc.data if any(b.data == ctx.inc.data for b in options) else None
    if ctx.inc.text:
        typed, plain = words.key(ctx.inc.text), words.bare(ctx.inc.text)
        if not typed:
            return None
        for b in options:
            if words.button_key(b.label) in (typed, plain):
                return b.data
        for b in options:
            if words.means(ctx.inc.text, b.data):
                return b.data
    return None


def cancel_button(ctx: Ctx) -> Button:
    """The way out, offered at every step."""
    return Button(ctx.t("✖️ Cancel"), CANCEL)


def is_cancel(ctx: Ctx) -> bool:
    """Did the person ask to stop (button, /cancel or the word, in any of our languages)?"""
    if ctx.inc.data == CANCEL:
        return True
    if ctx.inc.data is not None or not ctx.inc.text:
        return False
    text = ctx.inc.text.strip().split("@", 1)[0]  # /cancel@prasan_bot
    return text.casefold() == "/cancel" or words.means(text, CANCEL)


def no_words(text: str) -> bool:
    """True when there is nothing to read as a report: no letters (emoji, dots, a bare number)."""
    return not any(unicodedata.category(c)[0] == "L" for c in text)


def strip_controls(text: str) -> str:
    """Drop control characters (keeping newlines and tabs) a phone keyboard never types."""
    return "".join(c for c in text if c in "\n\t" or unicodedata.category(c) != "Cc")
