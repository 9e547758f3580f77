"""The shared aiohttp web server: health check plus each channel's webhook route."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from bot import media, photo_links
from bot.metrics import metrics_route
from bot.runtime import Runtime

log = logging.getLogger(__name__)
RUNTIME = web.AppKey("runtime", Runtime)


async def health(request: web.Request) -> web.Response:
    """Liveness and a cheap database check: ok or not ok, nothing more (figures are /metrics)."""
    runtime = request.app[RUNTIME]
    try:
        async with runtime.store.tx() as tx:
            await tx.outbox_counts()
    except Exception as exc:
        log.warning("health check failed: %s", type(exc).__name__)
        return web.json_response({"status": "not ok"}, status=503)
    return web.json_response({"status": "ok"})


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
    app.router.add_get("/metrics", metrics_route)
    app.router.add_get(media.ROUTE, serve_media)
    photo_links.add_route(app, runtime.store)
    for channel in runtime.services:
        add_routes: Any = getattr(channel, "add_routes", None)
        if add_routes is not None:
            add_routes(app)
    # A channel still starting (its API unreachable) gets its route now, answering 503 until
    # it is up: the platform redelivers, and the router cannot change once serving.
    for path, name in runtime.deferred_routes():
        app.router.add_post(path, _when_ready(runtime, name))
    return app


def _when_ready(runtime: Runtime, name: str) -> Any:
    async def route(request: web.Request) -> web.StreamResponse:
        handler = getattr(runtime.channels.get(name), "webhook", None)
        if handler is None:
            return web.Response(status=503, text="starting")
        return await handler(request)  # type: ignore[no-any-return]

    return route


async def serve(runtime: Runtime, port: int, host: str = "0.0.0.0") -> web.AppRunner:
    """Start serving (all interfaces by default), then register webhooks; returns the runner."""
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host=host, port=port)
    await site.start()
    runtime.web_address = runner.addresses[0][:2]
    log.info("web server listening on port %d", runtime.web_address[1])
    # Only now may a platform be told to call us (Telegram's setWebhook).
    await runtime.on_listening()
    return runner
