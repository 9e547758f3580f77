"""The shared aiohttp web server: health check plus each channel's webhook route."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot import media, photo_links
from bot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME = web.AppKey("runtime", Runtime)


async def health(request: web.Request) -> web.Response:
    """Liveness and a cheap database check."""
    runtime = request.app[RUNTIME]
    async with runtime.store.tx() as tx:
        counts = await tx.outbox_counts()
    return web.json_response({"status": "ok", "outbox": counts})


async def serve_media(request: web.Request) -> web.Response:
    """An image the bot sent, by its unguessable token; 404 once it has expired."""
    runtime = request.app[RUNTIME]
    name = request.match_info["name"]
    if media.token_of(name) is None:
        return web.Response(status=404)
    async with runtime.store.tx() as tx:
        found = await media.load_media(tx, name)
    if found is None:
        return web.Response(status=404)
    return web.Response(
        body=found.data,
        content_type=found.content_type,
        # Anyone holding the URL may fetch it until it expires; shared caches must not keep it.
        headers={"Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


def build_app(runtime: Runtime) -> web.Application:
    """The web app with routes from every channel that receives webhooks."""
    app = web.Application(client_max_size=1024 * 1024)
    app[RUNTIME] = runtime
    app.router.add_get("/healthz", health)
    app.router.add_get(media.ROUTE, serve_media)
    photo_links.add_route(app, runtime.store)
    for channel in runtime.services:
        add_routes: Any = getattr(channel, "add_routes", None)
        if add_routes is not None:
            add_routes(app)
    return app


async def serve(runtime: Runtime, port: int) -> web.AppRunner:
    """Start serving on all interfaces; returns the runner to clean up."""
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host="0.0.0.0", port=port)
    await site.start()
    log.info("web server listening on port %d", port)
    return runner
