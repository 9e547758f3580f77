"""Invite codes: unguessable, typed on phones, stored only as a hash."""

from __future__ import annotations

import hashlib
import re
import secrets

# No 0/O, 1/I/L: people read these codes aloud and type them on small keyboards.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10  # 31**10 ≈ 2**49.5; with 5 tries an hour per identity, guessing is hopeless
VALID_DAYS = 14
MAX_FAILURES = 5
LOCK_MINUTES = 60
_SEPARATORS = re.compile(r"[\s\-_.]+")
_CANDIDATE = re.compile(r"^[A-Z0-9]{6,20}$")


def new_code() -> str:
    """A fresh code, shown as two halves: K7MQ4-XPD9R."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return f"{raw[:5]}-{raw[5:]}"


def normalize_code(text: str) -> str | None:
    """The code someone typed (any case, with or without separators), or None if it isn't one."""
    text = text.strip()
    if text.lower().startswith("/start"):
        text = text[len("/start") :]
    candidate = _SEPARATORS.sub("", text).upper()
    return candidate if _CANDIDATE.match(candidate) else None


def hash_code(code: str) -> str:
    """What we store; codes carry ~50 random bits so a plain SHA-256 suffices."""
    return hashlib.sha256(code.encode()).hexdigest()
