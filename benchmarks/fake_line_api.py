"""A minimal fake LINE Messaging API for `bench_line_http.py`, run as its own process.

Run: python benchmarks/fake_line_api.py --port PORT --token TOKEN

Answers 200 to reply, push and multicast (with the sentMessages the SDK expects), and records when each reply token
arrived, so the load generator can measure webhook-to-reply latency. GET /stats
returns the counts and those arrival times (wall clock, same machine).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter
from typing import Any

from aiohttp import web

STATS = web.AppKey("stats", dict)
TOKEN = web.AppKey("token", str)


async def _reply(request: web.Request) -> web.Response:
    """Record the reply token's arrival time; answer like LINE."""
    stats: dict[str, Any] = request.app[STATS]
    if not _authorised(request):
        stats["calls"]["unauthorised"] += 1
        return web.json_response({"message": "Authentication failed"}, status=401)
    body = await request.json()
    stats["calls"]["reply"] += 1
    stats["tokens"][body.get("replyToken", "")] = time.time()
    return web.json_response(_sent(stats, body))


async def _push(request: web.Request) -> web.Response:
    """Count a push (a reply whose token was stale or refused)."""
    stats: dict[str, Any] = request.app[STATS]
    body = await request.json()
    if request.path.endswith("multicast"):
        stats["calls"]["multicast"] += 1
        return web.json_response({})
    stats["calls"]["push"] += 1
    return web.json_response(_sent(stats, body))


def _sent(stats: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    # line-bot-sdk validates the answer: sentMessages needs one entry per message sent,
    # so a bare {} would make every successful send look failed to the bot.
    ids = []
    for _ in body.get("messages", ()):
        stats["next_id"] += 1
        ids.append({"id": str(stats["next_id"]), "quoteToken": "q"})
    return {"sentMessages": ids}


def _authorised(request: web.Request) -> bool:
    return request.headers.get("Authorization", "") == f"Bearer {request.app[TOKEN]}"


async def _stats(request: web.Request) -> web.Response:
    """Counts per endpoint and reply-token arrival times."""
    stats: dict[str, Any] = request.app[STATS]
    return web.json_response({"calls": dict(stats["calls"]), "tokens": stats["tokens"]})


def build_app(token: str) -> web.Application:
    """The fake API's routes."""
    app = web.Application(client_max_size=1024 * 1024)
    app[STATS] = {"calls": Counter(), "tokens": {}, "next_id": 460_000_000_000_000_000}
    app[TOKEN] = token
    app.router.add_post("/v2/bot/message/reply", _reply)
    app.router.add_post("/v2/bot/message/push", _push)
    app.router.add_post("/v2/bot/message/multicast", _push)
    app.router.add_get("/stats", _stats)
    return app


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True)
    args = p.parse_args()
    web.run_app(build_app(args.token), host="127.0.0.1", port=args.port, print=None,
                access_log=None)  # fmt: skip
