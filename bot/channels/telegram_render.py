"""`Outgoing` in, Bot API message content out: the send half's pure part.

Texts are split under Telegram's limit, buttons become an inline keyboard on the last part,
and a pressed message is rewritten to show the choice. No network here.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.i18n import N_, translator
from bot.messages import Button, Outgoing

log = logging.getLogger(__name__)

# https://core.telegram.org/bots/api#sendmessage — lengths count UTF-16 code units.
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
CALLBACK_DATA_LIMIT = 64  # bytes, https://core.telegram.org/bots/api#inlinekeyboardbutton
SHORT_LABEL = 16  # two buttons this wide still fit side by side on a small phone
PRESSED = "\n\n➡️ "
_SENTENCE_END = re.compile(r"[.!?…。](?=\s)")
_ZERO_WIDTH = {"Mn", "Me", "Cf"}  # Thai vowel and tone marks, variation selectors, joiners


@dataclass(frozen=True)
class Part:
    """One Bot API message: text, or a photo with that text as caption, and maybe a keyboard."""

    text: str
    keyboard: InlineKeyboardMarkup | None = None
    photo: str | None = None


def render(message: Outgoing) -> list[Part]:
    """The Bot API messages for one Outgoing; the buttons go on the last one."""
    keys = keyboard(message.buttons)
    # Telegram refuses an empty message, and a keyboard needs a message to hang on.
    text = message.text.strip() or "…"
    parts: list[Part] = []
    if message.image_url:
        if utf16_len(text) <= CAPTION_LIMIT:
            return [Part(text, keys, photo=message.image_url)]
        parts.append(Part("", None, photo=message.image_url))
    chunks = split_text(text)
    parts += [Part(c, keys if i == len(chunks) - 1 else None) for i, c in enumerate(chunks)]
    return parts


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (characters outside the BMP, like most emoji, count 2)."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = TEXT_LIMIT) -> list[str]:
    """Cut a long text into parts within `limit`, at a paragraph, line, sentence or space."""
    parts: list[str] = []
    rest = text
    while utf16_len(rest) > limit:
        cut = _boundary(rest, _fit(rest, limit))
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    parts.append(rest)
    return [p for p in parts if p]


def _fit(text: str, limit: int) -> int:
    """The longest prefix (in characters) within `limit` UTF-16 units."""
    units = 0
    for i, ch in enumerate(text):
        units += 2 if ord(ch) > 0xFFFF else 1
        if units > limit:
            return i
    return len(text)


def _boundary(text: str, hard: int) -> int:
    """Where to cut text[:hard]: the latest natural break in its second half, else `hard`."""
    head = text[:hard]
    floor = max(1, hard // 2)
    for cut in (
        head.rfind("\n\n"),
        head.rfind("\n"),
        max((m.end() for m in _SENTENCE_END.finditer(head)), default=-1),
        max(head.rfind(" "), head.rfind("\t")),  # Thai separates sentences with a space
    ):
        if cut >= floor:
            return cut
    # No break at all: never strand a Thai vowel or tone mark from its consonant.
    cut = hard
    while cut > floor and unicodedata.category(text[cut]) in _ZERO_WIDTH:
        cut -= 1
    return cut


def width(label: str) -> int:
    """Roughly how many columns a label takes (combining marks take none)."""
    return sum(1 for c in label if unicodedata.category(c) not in _ZERO_WIDTH)


def callback_data(data: str) -> str:
    """Button data within Telegram's 64 bytes (the core's are short; cut safely if not)."""
    raw = data.encode()
    if len(raw) <= CALLBACK_DATA_LIMIT:
        return data
    log.warning("button data of %d bytes cut to %d", len(raw), CALLBACK_DATA_LIMIT)
    return raw[:CALLBACK_DATA_LIMIT].decode("utf-8", "ignore")


def keyboard(buttons: tuple[Button, ...]) -> InlineKeyboardMarkup | None:
    """An inline keyboard: short labels two to a row, long ones on a row of their own."""
    if not buttons:
        return None
    rows: list[list[InlineKeyboardButton]] = []
    waiting: InlineKeyboardButton | None = None
    for b in buttons:
        key = InlineKeyboardButton(b.label, callback_data=callback_data(b.data))
        if width(b.label) > SHORT_LABEL:
            rows += [[waiting]] if waiting else []
            rows.append([key])
            waiting = None
        elif waiting is not None:
            rows.append([waiting, key])
            waiting = None
        else:
            waiting = key
    rows += [[waiting]] if waiting else []
    return InlineKeyboardMarkup(rows)


def pressed_label(markup: InlineKeyboardMarkup | None, data: str | None) -> str | None:
    """The label of the button that sent `data`."""
    if markup is None or data is None:
        return None
    for row in markup.inline_keyboard:
        for key in row:
            if key.callback_data == data:
                return key.text
    return None


def with_choice(text: str | None, label: str | None) -> str | None:
    """The pressed message's text with the choice appended, if that still fits."""
    if not text or not label:
        return None
    marked = text + PRESSED + label
    return marked if utf16_len(marked) <= TEXT_LIMIT else None


# The command menu (setMyCommands); commands map to menu actions in handlers/router.py
# COMMANDS, descriptions come from the translation catalogs.
COMMANDS = (
    ("start", N_("Start / register with an invite code")),
    ("report", N_("📝 Report progress")),
    ("problem", N_("⚠️ Report a problem")),
    ("myreports", N_("📋 My reports")),
    ("search", N_("🔎 Search reports (supervisors)")),
    ("help", N_("❓ Help")),
    ("language", N_("🌐 Change language")),
    ("cancel", N_("✖️ Cancel what you are doing")),
)


def command_menu(lang: str) -> list[tuple[str, str]]:
    """The bot's commands with their descriptions in one language."""
    t = translator(lang)
    return [(command, t(description)) for command, description in COMMANDS]
