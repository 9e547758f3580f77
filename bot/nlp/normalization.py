"""Thai text normalisation.

A tight equivalent of ``pythainlp.util.normalize`` (which costs ~55 µs per short
message, more than tokenising it) plus NFC, Thai digits and control characters.

Most messages need no change at all, so a screen decides first, in C: the text is
encoded to TIS-620 (cp874, one byte per Thai letter), each byte is mapped to its class
(tone mark, vowel above, lead vowel, space...) and one bytes regex looks for a class
sequence that some rule would change.  Only then does the full normalisation run.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable

__all__ = ["MAX_CHARS", "normalize", "normalize_full"]

# Longer than any chat message (Telegram 4096, LINE 5000 characters): text past this is not
# read by the NLP at all (a paste accident on the console must not hold the event loop).
MAX_CHARS = 10_000

_TONES = "\u0e48-\u0e4b"  # ่ ้ ๊ ๋
_ABOVE = "\u0e31\u0e34-\u0e37\u0e47\u0e4d"  # ั ิ ี ึ ื ็ ํ
_BELOW = "\u0e38\u0e39"  # ุ ู
_FOLLOW = "\u0e30\u0e32\u0e33\u0e45"  # ะ า ำ ๅ
_LEAD = "\u0e40-\u0e44"  # เ แ โ ใ ไ
_CONSONANTS = "\u0e01-\u0e23\u0e25\u0e27-\u0e2e"  # ก-ฮ without ฤ ฦ
_VOWELS = "\u0e24\u0e26\u0e30-\u0e39\u0e40-\u0e45\u0e47\u0e4d"
# Marks that cannot start a syllable; after a space they are stray keystrokes.
_DANGLING = f"{_ABOVE}{_BELOW}{_TONES}\u0e3a\u0e4c\u0e4d\u0e4e"
_NO_REPEAT = f"{_FOLLOW}{_LEAD}{_ABOVE}{_BELOW}\u0e3a\u0e4c\u0e4d\u0e4e"

_ZERO_WIDTH = "\u200b\u200c\u200d\ufeff\u2060"
_TABLE: dict[int, int | str | None] = {ord(c): None for c in _ZERO_WIDTH}
_TABLE.update({0x0E50 + i: str(i) for i in range(10)})  # ๐-๙ -> 0-9
_TABLE.update({c: None for c in [*range(0x00, 0x20), *range(0x7F, 0xA0)]})
_TABLE.update({ord("\n"): "\n", ord("\r"): "\n", ord("\t"): " ", 0x0B: " ", 0x0C: " "})

_NEEDS_TRANSLATE = re.compile(f"[{_ZERO_WIDTH}\u0e50-\u0e59\x00-\x09\x0b-\x1f\x7f-\x9f]")
# One pass over maximal whitespace runs (a run with a newline becomes one newline, any other
# one space); `\s*\n\s*` would rescan a long run of spaces from every position in it.
_WHITESPACE_RUN = re.compile(r"\s+")
_SPACE_RUN = re.compile(r"[^\S\n]+")


def _one_space(m: re.Match[str]) -> str:
    return "\n" if "\n" in m.group() else " "


# Each (pattern, replacement) mirrors one rule of pythainlp.util.normalize.
_Repl = str | Callable[[re.Match[str]], str]
_THAI_FIXES: tuple[tuple[re.Pattern[str], _Repl], ...] = (
    # "พ ุ่ม" -> "พุ่ม": a space typed before a mark, unless the consonant ends a syllable
    (re.compile(f"([{_CONSONANTS}])(?<![{_VOWELS}][{_CONSONANTS}]) ([{_DANGLING}])"), r"\1\2"),
    (re.compile("\u0e40\u0e40"), "\u0e41"),  # เ + เ -> แ
    # Runs are matched from their first character only, possessively: a long run of marks
    # with no vowel after it must cost one pass, not one pass per starting position.
    (re.compile(f"(?<![{_TONES}\u0e4c])([{_TONES}\u0e4c]++)([{_ABOVE}{_BELOW}]+)"), r"\2\1"),
    (re.compile(f"\u0e4d([{_TONES}]*)\u0e32"), "\\1\u0e33"),  # ํ + า -> ำ
    (re.compile(f"(?<![{_FOLLOW}])([{_FOLLOW}]++)([{_TONES}]+)"), r"\2\1"),  # tone after follow
    (re.compile("([^\u0e24\u0e26])\u0e45"), "\\1\u0e32"),  # ๅ -> า except after ฤ ฦ
    # Doubled vowels and signs.  (pythainlp also merges them across spaces, "า า";
    # that is garbage either way, and leaving it keeps the fast screen exact.)
    (re.compile(f"([{_NO_REPEAT}])\\1+"), r"\1"),
    (re.compile(f"[{_TONES}]{{2,}}"), lambda m: m.group(0)[-1]),  # keep the last tone typed
    (re.compile(f"(^|\\s)[{_DANGLING}]+"), r"\1"),  # stray marks at text or word start
)


def _class_table() -> bytes:
    table = bytearray(b"." * 256)
    classes = {
        "T": "\u0e48\u0e49\u0e4a\u0e4b\u0e4c",  # tone marks, ์
        "A": "\u0e31\u0e34\u0e35\u0e36\u0e37\u0e47\u0e38\u0e39\u0e3a\u0e4e",  # above, below
        "F": "\u0e30\u0e32\u0e33",  # follow vowels
        "L": "\u0e40\u0e41\u0e42\u0e43\u0e44",  # lead vowels
        "X": "\u0e45\u0e4d",  # ๅ ํ: always rewritten
        "D": "๐๑๒๓๔๕๖๗๘๙",  # Thai digits
        "S": " \n",
        "W": "\xa0",  # no-break space
        "Q": "?",  # also what a character outside cp874 becomes: look closer
    }
    for code, chars in classes.items():
        for byte in chars.encode("cp874"):
            table[byte] = ord(code)
    for byte in [*range(0x00, 0x20), 0x7F]:
        if byte != 0x0A:
            table[byte] = ord("C")  # control characters, tab, carriage return
    return bytes(table)


_CLASSES = _class_table()
_THAI_DIGITS = tuple((chr(0x0E50 + i), str(i)) for i in range(10))
# A class sequence that normalize_full() would change (bar leading/trailing space).
# (Every branch starts with a literal, which lets the regex engine skip ahead.)
_SUSPECT = re.compile(rb"X|D|W|C|SS|T[AT]|AA|F[TF]|LL|S[AT]")
_ASCII_SUSPECT = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]|[ \n][ \n]")
# Whitespace that cp874 cannot encode (it turns into "?", class Q).
_OTHER_SPACE = re.compile("[\x85\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]")


def _combining_class() -> str:
    """A regex class of every character NFC reorders (canonical combining class > 0)."""
    ranges: list[str] = []
    start = prev = -2
    for cp in range(0x300, 0x30000):
        if unicodedata.combining(chr(cp)):
            if cp != prev + 1:
                if start >= 0:
                    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
                start = cp
            prev = cp
    ranges.append(f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
    return "".join(ranges)


# NFC sorts each run of combining marks by insertion sort: quadratic on a long run (a 30k run
# of alternating ุ and ่ took 2.6 s). No script stacks more than a few marks on a letter, so
# a run is cut to MAX_MARKS before NFC sees it.
MAX_MARKS = 16
_MARK_RUN = re.compile(f"[{_combining_class()}]{{{MAX_MARKS + 1},}}")


def normalize_full(text: str) -> str:
    """Normalise without the fast screen (the reference the screen is tested against)."""
    if not text.isascii():
        text = _MARK_RUN.sub(lambda m: m.group()[:MAX_MARKS], text)
    if not text.isascii() and not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    if _NEEDS_TRANSLATE.search(text):
        text = text.translate(_TABLE)
    text = _WHITESPACE_RUN.sub(_one_space, text)
    if not text.isascii():
        for pattern, repl in _THAI_FIXES:
            text = pattern.sub(repl, text)
        if "  " in text:  # a stray mark removed from between two spaces
            text = _SPACE_RUN.sub(" ", text)
    return text.strip()


def _suspect(text: str, classes: bytes) -> bool:
    """Whether some rule of normalize_full() may change ``text`` (``classes``: its classes)."""
    found = _SUSPECT.search(classes)
    # Two different follow vowels (the า and ะ of เพราะ) are common and change nothing:
    # only the same one twice is a doubled vowel.  (The classes line up with the text.)
    while found is not None and found.group() == b"FF":
        at = found.start()
        if text[at] == text[at + 1]:
            return True
        found = _SUSPECT.search(classes, at + 1)
    return found is not None


def normalize(text: str) -> str:
    """Return ``text`` in NFC with clean whitespace, ASCII digits and Thai marks in order."""
    text = text[:MAX_CHARS]
    if text.isascii():
        return normalize_full(text) if _ASCII_SUSPECT.search(text) else text.strip()
    classes = text.encode("cp874", "replace").translate(_CLASSES)
    if b"D" in classes:
        # Thai digits are common ("๓๐ คน") and no other rule looks at digits: swap them
        # here (one per character, so the classes still line up) and screen the rest.
        for thai, arabic in _THAI_DIGITS:
            if thai in text:
                text = text.replace(thai, arabic)
        classes = classes.replace(b"D", b".")
    if _suspect(text, classes) or classes[:1] in (b"A", b"T"):
        return normalize_full(text)
    # Text that cp874 encodes is NFC already (no combining marks but Thai ones); for the
    # rest (emoji, "?", zero-width characters...) look at the characters themselves.
    if b"Q" in classes and (
        _NEEDS_TRANSLATE.search(text)
        or _OTHER_SPACE.search(text)
        or not unicodedata.is_normalized("NFC", text)
    ):
        return normalize_full(text)
    return text.strip()
