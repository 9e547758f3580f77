"""Time-limited links to report photos, for exports: PRASAN_PUBLIC_URL/photos/<token>?e=…&s=….

A photo's media URL lives as long as the report; a spreadsheet is passed around, so
its links carry an expiry and an HMAC signature (key generated once, kept in the
database) and stop working after PHOTO_LINK_DAYS.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from aiohttp import web

from bot.config import Settings
from bot.media import token_of
from storage.store import Store, Tx

ROUTE = "/photos/{token}"
PHOTO_LINK_DAYS = 7
_KEY = "photo_link_key"


async def link_key(tx: Tx) -> bytes:
    """The signing key (created on first use)."""
    return bytes.fromhex(await tx.kv_set_default(_KEY, secrets.token_hex(32)))


def _sig(key: bytes, token: str, expires: int) -> str:
    return hmac.new(key, f"{token}:{expires}".encode(), hashlib.sha256).hexdigest()[:32]


def photo_link(settings: Settings, key: bytes, token: str, now: datetime) -> str:
    """A signed link to one kept photo, valid for PHOTO_LINK_DAYS."""
    expires = int((now + timedelta(days=PHOTO_LINK_DAYS)).timestamp())
    base = settings.PRASAN_PUBLIC_URL or f"http://localhost:{settings.PORT}"
    return f"{base}/photos/{token}?e={expires}&s={_sig(key, token, expires)}"


def valid(key: bytes, token: str, expires: str, sig: str, now: datetime) -> bool:
    """Is this link genuine and not expired?"""
    if not expires.isdigit() or int(expires) < now.timestamp():
        return False
    return hmac.compare_digest(_sig(key, token, int(expires)), sig)


def add_route(app: web.Application, store: Store) -> None:
    """Serve signed photo links on the shared web server."""

    async def serve(request: web.Request) -> web.Response:
        token = request.match_info["token"]
        if token_of(token) is None:
            raise web.HTTPNotFound()
        async with store.tx() as tx:
            ok = valid(await link_key(tx), token, request.query.get("e", ""),
                       request.query.get("s", ""), tx.now())  # fmt: skip
            found = await tx.media_get(token) if ok else None
        if found is None:  # a wrong, expired or forged link looks like a missing one
            raise web.HTTPNotFound()
        return web.Response(body=found.data, content_type=found.content_type,
                            headers={"Cache-Control": "private, max-age=3600"})  # fmt: skip

    app.router.add_get(ROUTE, serve)
