"""The ceiling for `bench_line_ceiling.py`: an aiohttp handler that only checks LINE's signature.

Run: python benchmarks/bare_line_webhook.py --port PORT --secret SECRET

It does what every LINE bot must do before anything else (read the body, HMAC-SHA256 it with
the channel secret, compare with X-Line-Signature) and answers 200; it stores nothing and
replies to nobody. GET /healthz answers 200.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import hmac

from aiohttp import web

SECRET = web.AppKey("secret", bytes)


async def webhook(request: web.Request) -> web.Response:
    """200 for a correctly signed body, 400 otherwise."""
    body = await request.read()
    digest = hmac.new(request.app[SECRET], body, hashlib.sha256).digest()
    given = request.headers.get("X-Line-Signature", "")
    if not hmac.compare_digest(base64.b64encode(digest).decode(), given):
        return web.Response(status=400)
    return web.Response(text="OK")


async def healthz(_request: web.Request) -> web.Response:
    """Ready."""
    return web.Response(text="ok")


def main() -> None:
    """Serve until killed."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret", required=True)
    args = p.parse_args()
    app = web.Application()
    app[SECRET] = args.secret.encode()
    app.router.add_post("/webhooks/line", webhook)
    app.router.add_get("/healthz", healthz)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None)


if __name__ == "__main__":
    main()
