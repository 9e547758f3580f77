"""Invite codes: unguessable, typed on phones, stored only as a keyed hash.

The stored hash is HMAC-SHA256(key, SHA-256 hex of the code), with the key generated
once and kept in the database (settings_kv). A copy of the invites table alone then
allows no offline search; hashing the SHA-256 hex (not the code) let migration 0012
re-key the plain SHA-256 hashes stored before, so codes already sent keep working.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.store import Tx

# No 0/O, 1/I/L: people read these codes aloud and type them on small keyboards.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10  # 31**10 ≈ 2**49.5; with 5 tries an hour per identity, guessing is hopeless
VALID_DAYS = 14
MAX_FAILURES = 5
LOCK_MINUTES = 60
# A code locks itself when near misses of it (one character wrong) come from this many
# different chats: someone who saw part of it is trying the rest. One person mistyping
# their own code from one or two chat apps never gets there.
NEAR_MISS_CHATS = 3
KEY_NAME = "invite_hmac_key"
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


def keyed_hash(key: bytes, code: str) -> str:
    """The stored form of a normalised code under `key`."""
    inner = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    return hmac.new(key, inner.encode(), hashlib.sha256).hexdigest()


async def invite_key(tx: Tx) -> bytes:
    """The HMAC key (made by migration 0012; created here if a database somehow lacks it)."""
    value = await tx.kv_get(KEY_NAME)
    if value is None:
        value = await tx.kv_set_default(KEY_NAME, secrets.token_hex(32))
    return bytes.fromhex(value)


async def code_hash(tx: Tx, code: str) -> str:
    """The stored form of a code as given (with or without its dash)."""
    return keyed_hash(await invite_key(tx), code)


def near_misses(code: str) -> list[str]:
    """Every code one character away from `code` (a slip of the finger, or a guess)."""
    if len(code) != LENGTH or any(c not in ALPHABET for c in code):
        return []
    return [code[:i] + c + code[i + 1 :] for i in range(LENGTH) for c in ALPHABET if c != code[i]]
