"""Shared by the LINE tests: the fake LINE platform, the channel, the web server, a phone.

Not a test module. The fixtures are imported by name into each tests/test_line_*.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.channels.line import WEBHOOK_PATH, LineChannel, start_channel
from bot.runtime import Runtime
from bot.web import build_app
from tests import fake_line as fl
from tests.fake_line import SECRET, TOKEN, FakeLine, sign
from tests.helpers import make_invite

# A message source in a group chat (the parse table and the group flow).
GROUP = {"type": "group", "groupId": "Cgroup0001", "userId": "Umember01"}

# ---- fixtures: the channel wired into a runtime, the fake LINE, the web server -------------


@pytest.fixture
def fake(fake_line: FakeLine) -> FakeLine:
    """A fake LINE platform on two local ports. (conftest's `fake_line`)"""
    return fake_line


@pytest.fixture
async def line(runtime: Runtime, fake: FakeLine) -> LineChannel:
    """The LINE channel, configured as `prasan run` would, pointed at the fake."""
    runtime.settings = runtime.settings.model_copy(update={
        "LINE_CHANNEL_SECRET": SecretStr(SECRET), "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN),
        "LINE_API_URL": fake.api_url, "LINE_DATA_API_URL": fake.data_url,
    })  # fmt: skip
    channel = await start_channel(runtime, True)
    runtime.add_channel(channel)
    runtime.services.append(channel)  # runtime.close() stops it
    return channel


@pytest.fixture
async def base_url(runtime: Runtime, line: LineChannel) -> AsyncIterator[str]:
    """The shared web app (bot.web) serving the webhook on a local port."""
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client for posting webhooks."""
    async with aiohttp.ClientSession() as s:
        yield s


@dataclass
class Phone:
    """One LINE user: posts signed webhook events, reads what the bot sent back."""

    session: aiohttp.ClientSession
    base_url: str
    fake: FakeLine
    user: str
    settle: Callable[[Phone, int], Awaitable[None]]
    seen: int = 0
    last: list[dict[str, Any]] = field(default_factory=list)

    async def post(self, *events: dict[str, Any], signature: str | None = None) -> int:
        """Post a webhook body; returns the HTTP status."""
        raw = fl.body(*events)
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if signature != "":
            headers["X-Line-Signature"] = sign(raw) if signature is None else signature
        async with self.session.post(self.base_url + WEBHOOK_PATH, data=raw,
                                     headers=headers) as resp:  # fmt: skip
            return resp.status

    async def send(self, event: dict[str, Any]) -> str:
        """Post one event and wait for the answer; returns the bot's new texts."""
        assert await self.post(event) == 200
        await self.settle(self, self.seen)
        self.last = self.fake.messages_to(self.user)[self.seen :]
        self.seen += len(self.last)
        return "\n".join(m["text"] for m in self.last if m.get("type") == "text")

    async def say(self, text: str) -> str:
        """Type a message."""
        return await self.send(fl.text_event(self.user, text, self.fake.reply_token(self.user)))

    async def press(self, label_part: str) -> str:
        """Press the quick reply whose label contains `label_part`."""
        action = self.fake.find_button(self.user, label_part)
        token = self.fake.reply_token(self.user)
        return await self.send(fl.postback_event(self.user, action["data"], token))


@pytest.fixture
def phone(
    session: aiohttp.ClientSession, base_url: str, fake: FakeLine, line: LineChannel
) -> Callable[[str], Phone]:
    """Make a LINE user talking to the in-process bot."""

    async def settle(_phone: Phone, _seen: int) -> None:
        await line.drain()

    return lambda user: Phone(session, base_url, fake, user, settle)


async def count_rows(runtime: Runtime, table: Any) -> int:
    """How many rows `table` holds."""
    async with runtime.store.tx() as tx:
        return int((await tx.conn.execute(select(func.count()).select_from(table))).scalar_one())


async def registered(runtime: Runtime, p: Phone) -> None:
    """Register `p` with a fresh invite code."""
    assert "🎉" in await p.say(await make_invite(runtime.store))


async def person_id_of(runtime: Runtime, user: str) -> int:
    """The person a LINE user id is linked to."""
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", user)
    assert ident is not None and ident.person_id is not None
    return ident.person_id
