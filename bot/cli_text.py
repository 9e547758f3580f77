"""The admin command line's messages in the operator's language.

A command runs for one operator, so one language per process: PRASAN_LANGUAGE when it is set
(environment or .env), otherwise English, so scripts and logs that read the messages keep
working. Data the commands print (CSV columns, codes, ids) is not translated.
"""

from __future__ import annotations

import sys

from bot.config import Settings
from bot.i18n import Translator, translator

_current: list[Translator] = [translator("en")]


def set_language(settings: Settings) -> None:
    """Use PRASAN_LANGUAGE for this process's messages if the operator set it."""
    chosen = "PRASAN_LANGUAGE" in settings.model_fields_set
    _current[0] = translator(settings.PRASAN_LANGUAGE if chosen else "en")


def lang() -> str:
    """The language of this process's messages (th, en, ms)."""
    return _current[0].lang


def current() -> Translator:
    """This process's translator, for helpers that take one (target names, reach lines)."""
    return _current[0]


def t(message: str, /, **params: object) -> str:
    """Translate one CLI message and fill its {placeholders}."""
    return _current[0](message, **params)


def fail(message: str) -> int:
    """One line on stderr (already translated), exit status 1."""
    print(f"prasan: {message}", file=sys.stderr)
    return 1
