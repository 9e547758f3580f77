"""Translations from the gettext catalogs in locales/, compiled in memory with Babel.

No global `_()`: each incoming message gets the translator for its person's language.
"""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot.config import LANGUAGES

LOCALES = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "prasan"
LANGUAGE_NAMES = {"th": "ไทย", "en": "English", "ms": "Bahasa Melayu"}


class Translator:
    """Looks up one language's strings; falls back to English, then to the msgid."""

    def __init__(self, lang: str, catalog: gettext.NullTranslations) -> None:
        self.lang = lang
        self._catalog = catalog

    def __call__(self, message: str, /, **params: object) -> str:
        """Translate and fill {placeholders}."""
        text = self._catalog.gettext(message)
        return text.format(**params) if params else text

    def plural(self, singular: str, plural: str, n: int, /, **params: object) -> str:
        """Translate a count-dependent message; `n` is also available as {n}."""
        text = self._catalog.ngettext(singular, plural, n)
        return text.format(n=n, **params)


def _compile(path: Path) -> gettext.GNUTranslations:
    with path.open("rb") as fh:
        catalog = read_po(fh, abort_invalid=False)
    buf = BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


@cache
def translator(lang: str) -> Translator:
    """The translator for a language code (unknown codes get Thai, the default)."""
    if lang not in LANGUAGES:
        lang = "th"
    fallback: gettext.NullTranslations = gettext.NullTranslations()
    en_po = LOCALES / "en" / "LC_MESSAGES" / f"{DOMAIN}.po"
    if en_po.exists():
        fallback = _compile(en_po)
    if lang == "en":
        return Translator(lang, fallback)
    po = LOCALES / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.exists():
        return Translator(lang, fallback)
    catalog = _compile(po)
    catalog.add_fallback(fallback)
    return Translator(lang, catalog)


def number(n: int | float) -> str:
    """A count as people read it: thousands separated ('1,250'), as in Thai, Malay and English."""
    return f"{n:,}"


def join_names(t: Translator, names: list[str]) -> str:
    """'A, B and C' in the reader's language (Thai separates with spaces: 'A B และC')."""
    if len(names) <= 1:
        return "".join(names)
    sep = " " if t.lang == "th" else ", "
    return t("{first} and {last}", first=sep.join(names[:-1]), last=names[-1])


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message
