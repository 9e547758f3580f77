"""GET /metrics in Prometheus text format (prometheus-client): the outbox and LINE's quota.

Counters count what this process's sender did since it started; the queue figures are
read from the database at each scrape, so they are the same whichever process answers.
Optionally protected by PRASAN_METRICS_TOKEN (`Authorization: Bearer <token>`).
"""

from __future__ import annotations

import hmac
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    generate_latest,
)

if TYPE_CHECKING:
    from bot.runtime import Runtime

OUTCOMES = ("sent", "failed", "retried", "dead", "expired", "blocked")


class OutboxMetrics:
    """The sender's counters and the figures /metrics shows, in their own registry."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._counters = {
            outcome: Counter(
                f"prasan_outbox_{outcome}", help_text, ["channel"], registry=self.registry
            )
            for outcome, help_text in (
                ("sent", "Rows the platform accepted"),
                ("failed", "Send attempts that failed (network, 5xx, refused)"),
                ("retried", "Rows put back to be tried again later"),
                ("dead", "Rows given up on (dead-lettered)"),
                ("expired", "Rows dropped because their moment passed before they could go"),
                ("blocked", "Rows not sent because the recipient blocked the bot"),
            )
        }
        self._children: dict[tuple[str, str], Any] = {}
        self.depth = Gauge(
            "prasan_outbox_queue_depth",
            "Rows per channel and status",
            ["channel", "status"],
            registry=self.registry,
        )
        self.oldest = Gauge(
            "prasan_outbox_oldest_waiting_seconds",
            "Age of the oldest row still waiting to be sent",
            ["channel"],
            registry=self.registry,
        )
        self.quota_used = Gauge(
            "prasan_line_push_quota_used",
            "LINE messages counted against this month's quota",
            registry=self.registry,
        )
        self.quota_limit = Gauge(
            "prasan_line_push_quota_limit",
            "LINE monthly message quota (absent when unlimited)",
            registry=self.registry,
        )

    def count(self, outcome: str, channel: str, n: int = 1) -> None:
        """Add `n` to an outcome's counter."""
        child = self._children.get((outcome, channel))
        if child is None:  # labels() costs a lock and a dict build: once per pair, not per send
            child = self._children[outcome, channel] = self._counters[outcome].labels(channel)
        child.inc(n)

    def value(self, outcome: str, channel: str) -> float:
        """An outcome's count so far (tests, `prasan outbox status`)."""
        return float(self._counters[outcome].labels(channel=channel)._value.get())

    def queue(
        self, figures: dict[tuple[str, str], tuple[int, datetime | None]], now: datetime
    ) -> None:
        """Set the queue gauges from `queue_figures()`."""
        self.depth.clear()
        self.oldest.clear()
        oldest: dict[str, float] = {}
        for (channel, status), (count, first) in figures.items():
            self.depth.labels(channel=channel, status=status).set(count)
            if first is not None:
                age = max(0.0, (now - first).total_seconds())
                oldest[channel] = max(oldest.get(channel, 0.0), age)
        for channel, age in oldest.items():
            self.oldest.labels(channel=channel).set(age)


async def metrics_route(request: web.Request) -> web.Response:
    """Prometheus text; 401 without the token when PRASAN_METRICS_TOKEN is set."""
    from bot.web import RUNTIME

    runtime: Runtime = request.app[RUNTIME]
    token = runtime.settings.PRASAN_METRICS_TOKEN
    if token is not None and token.get_secret_value():
        given = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
        if not hmac.compare_digest(given, token.get_secret_value().encode()):
            return web.Response(status=401, headers={"WWW-Authenticate": "Bearer"})
    sender = runtime.sender
    async with runtime.store.tx() as tx:
        figures = await tx.queue_figures()
    sender.metrics.queue(figures, sender.now())
    body = generate_latest(sender.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})
