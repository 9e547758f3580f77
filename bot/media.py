"""Images the bot sends (charts, report photos): kept in the database, served by the web server.

The web and worker processes may not share a disk, so an image lives in the `media`
table under an unguessable token and is served at PRASAN_PUBLIC_URL/media/<token>.<ext>
until it expires (30 days by default; a daily job deletes it then). LINE fetches that
URL itself (it needs public https); the Telegram channel uploads the bytes instead,
resolving the URL with `fetch_by_url`, so Telegram works without a public URL.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.config import Settings
from storage.queries_media import StoredMedia
from storage.store import Store, Tx

KEEP = timedelta(days=30)
ROUTE = "/media/{name}"
_EXTENSIONS = {"image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp"}
# token_urlsafe(24) gives 32 characters of [A-Za-z0-9_-]: 192 random bits.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32}$")
_URL_TOKEN = re.compile(r"/media/([A-Za-z0-9_-]{32})(?:\.[a-z]{3,4})?$")
MAX_BYTES = 10 * 1024 * 1024  # LINE's limit for an image message's original content


@dataclass(frozen=True)
class MediaRef:
    """A stored image: its token (the secret part of the URL), type and end of life."""

    token: str
    content_type: str
    expires_at: datetime

    @property
    def filename(self) -> str:
        """The name the URL ends with: token and extension (LINE wants one it knows)."""
        return f"{self.token}.{_EXTENSIONS.get(self.content_type, 'bin')}"


async def store_media(
    tx: Tx, data: bytes, content_type: str, expires: datetime | None = None
) -> MediaRef:
    """Keep an image in the database and return its reference (expires in 30 days by default)."""
    if content_type not in _EXTENSIONS:
        raise ValueError(f"unsupported image type {content_type!r}")
    if not data or len(data) > MAX_BYTES:
        raise ValueError("image is empty or larger than 10 MB")
    ref = MediaRef(secrets.token_urlsafe(24), content_type, expires or tx.now() + KEEP)
    await tx.media_add(ref.token, data, content_type, ref.expires_at)
    return ref


def media_url(settings: Settings, ref: MediaRef) -> str:
    """The URL people's apps fetch the image from (PRASAN_PUBLIC_URL, else this machine)."""
    base = settings.PRASAN_PUBLIC_URL or f"http://localhost:{settings.PORT}"
    return f"{base}{ROUTE.format(name=ref.filename)}"


def token_of(name_or_url: str) -> str | None:
    """The token in a media URL or in a `<token>.<ext>` path segment; None if not ours."""
    if _TOKEN.match(name_or_url):
        return name_or_url
    found = _URL_TOKEN.search(name_or_url if "/" in name_or_url else "/media/" + name_or_url)
    return found.group(1) if found else None


async def load_media(tx: Tx, name_or_url: str) -> StoredMedia | None:
    """A stored, unexpired image by token, file name or URL."""
    token = token_of(name_or_url)
    return None if token is None else await tx.media_get(token)


async def fetch_by_url(store: Store, url: str) -> bytes | None:
    """The bytes behind one of our media URLs (the Telegram channel uploads them)."""
    if token_of(url) is None:
        return None
    async with store.tx() as tx:
        found = await load_media(tx, url)
    return None if found is None else found.data


async def purge_expired(tx: Tx) -> int:
    """Delete images past their expiry; returns how many."""
    return await tx.media_purge()
