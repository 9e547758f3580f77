"""GET /metrics (Prometheus text, optional token) and LINE's monthly quota with its 80 % warning."""

from __future__ import annotations

import argparse

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import update

from bot.clock import MovableClock
from bot.outbox_cli import status
from bot.runtime import Runtime
from bot.web import build_app
from storage.schema import people as people_table
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.outbox_support import clock as clock
from tests.outbox_support import later, people, queue, rows
from tests.outbox_support import wired as wired


def _value(text: str, name: str, **labels: str) -> float:
    want = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        metric, _, rest = key.partition("{")
        got = ",".join(sorted(rest.rstrip("}").split(","))) if rest else ""
        if metric == name and got == want:
            return float(value)
    raise AssertionError(f"{name}{{{want}}} not in /metrics")


async def test_metrics_show_queue_depth_outcomes_and_oldest_waiting_age(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    members = await people(wired, "telegram", 5)
    await queue(wired, members[:3], key="a")
    await wired.sender.deliver()
    fake_tg.fail("sendMessage", 500, times=2)
    await queue(wired, members[3:], key="b")
    await wired.sender.deliver()
    later(clock, 90)
    async with TestClient(TestServer(build_app(wired))) as client:
        async with client.get("/metrics") as resp:
            assert resp.status == 200
            assert resp.headers["Content-Type"].startswith("text/plain")
            text = await resp.text()
    assert _value(text, "prasan_outbox_sent_total", channel="telegram") == 3
    assert _value(text, "prasan_outbox_failed_total", channel="telegram") == 2
    assert _value(text, "prasan_outbox_retried_total", channel="telegram") == 2
    assert _value(text, "prasan_outbox_queue_depth", channel="telegram", status="sent") == 3
    assert _value(text, "prasan_outbox_queue_depth", channel="telegram", status="pending") == 2
    assert _value(text, "prasan_outbox_oldest_waiting_seconds", channel="telegram") == 90
    assert "คนที่" not in text and "ประชุม" not in text  # figures only


async def test_metrics_token_is_required_when_set(wired: Runtime) -> None:
    wired.settings = wired.settings.model_copy(
        update={"PRASAN_METRICS_TOKEN": SecretStr("s3cret-metrics")}
    )
    async with TestClient(TestServer(build_app(wired))) as client:
        async with client.get("/metrics") as resp:
            assert resp.status == 401
        async with client.get("/metrics", headers={"Authorization": "Bearer wrong"}) as resp:
            assert resp.status == 401
        auth = {"Authorization": "Bearer s3cret-metrics"}
        async with client.get("/metrics", headers=auth) as resp:
            assert resp.status == 200


async def test_line_quota_is_measured_and_admins_are_warned_once_at_80_percent(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (admin,) = await people(wired, "telegram", 1, start=700)
    async with wired.store.tx() as tx:
        await tx.conn.execute(
            update(people_table).where(people_table.c.id == admin.person_id).values(role="admin")
        )
    fake_line.quota_limit, fake_line.quota_used = 1000, 500
    await wired.sender.check_quota()
    assert wired.sender.metrics.quota_used._value.get() == 500
    assert [r for r in await rows(wired) if r["tag"] == "line-quota"] == []  # 50 %: quiet
    fake_line.quota_used = 810
    await wired.sender.check_quota()
    later(clock, 3600)
    fake_line.quota_used = 900
    await wired.sender.check_quota()  # the same month: no second warning
    warnings = [r for r in await rows(wired) if r["tag"] == "line-quota"]
    (warning,) = [r for r in warnings if r["recipient"] == admin.user]
    assert "81" in warning["payload"] and "810" in warning["payload"]


async def test_outbox_status_prints_counts_per_channel(
    wired: Runtime, capsys: pytest.CaptureFixture[str]
) -> None:
    members = await people(wired, "line", 2)
    await queue(wired, members)
    assert await status(argparse.Namespace(), wired.settings) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:3] == ["channel", "pending", "sending"]
    assert out.splitlines()[1].split()[:2] == ["line", "2"]
