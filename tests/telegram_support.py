"""Shared by the Telegram tests: the fake Bot API, settings pointed at it, the channel, a phone.

Not a test module. The fixtures are imported by name into each tests/test_telegram_*.py (all
four of them wherever a test uses `runtime`: `settings` here overrides the conftest one).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from pydantic import SecretStr
from sqlalchemy import func, select

from bot.channels.telegram import SECRET_HEADER, WEBHOOK_PATH, TelegramChannel, start_channel
from bot.channels.telegram_transport import Pacer
from bot.config import Settings
from bot.i18n import translator
from bot.runtime import Runtime
from bot.web import build_app
from storage.schema import inbox
from tests.fake_telegram import FakeTelegram, Person, Sent
from tests.helpers import make_invite

T = translator("th")
SOMSRI = Person(5550001)
REPORT = "จัดเวทีรับฟังปัญหาที่บ้านบางปู มีชาวบ้านมาร่วม ๓๐ คน"
PROBLEM = "งบประมาณสำหรับจัดเวทีครั้งหน้ายังไม่ได้รับการอนุมัติ ชาวบ้านเริ่มถามว่าจะจัดได้หรือไม่"

# Content used both by the parse table and by the flows.
SMALL = {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 67}
BIG = {"file_id": "big", "file_unique_id": "b", "width": 1280, "height": 960}
STICKER = {"file_id": "st", "file_unique_id": "st", "type": "regular", "width": 512,
           "height": 512, "is_animated": False, "is_video": False}  # fmt: skip
GROUP: dict[str, Any] = {"id": -100123, "type": "supergroup", "title": "ผู้ประสานงานปัตตานี"}


# --- fixtures: the fake server, settings pointed at it, a running channel ------------------


@pytest.fixture
def fake(fake_tg: FakeTelegram) -> FakeTelegram:
    """A fake Bot API server on a free local port. (conftest's `fake_tg`)"""
    return fake_tg


@pytest.fixture
def mode() -> str:
    """How updates arrive; tests parametrize it to run in webhook mode too."""
    return "polling"


@pytest.fixture
def settings(settings: Settings, fake: FakeTelegram, mode: str) -> Settings:
    """The conftest settings with Telegram pointed at the fake (a webhook URL in webhook mode)."""
    webhook = "https://prasan.example.org" if mode == "webhook" else None
    return settings.model_copy(
        update={
            "TELEGRAM_BOT_TOKEN": SecretStr(fake.token),
            "TELEGRAM_API_URL": fake.api_url,
            "TELEGRAM_FILE_URL": fake.file_url,
            "TELEGRAM_WEBHOOK_URL": webhook,
        }
    )


Deliver = Callable[[dict[str, Any], int], Awaitable[None]]


@dataclass
class Harness:
    """A started channel, and a way to deliver an update and wait until it was handled."""

    runtime: Runtime
    fake: FakeTelegram
    channel: TelegramChannel
    client: TestClient[Any, Any] | None

    async def deliver(self, update: dict[str, Any], expect: int = 1) -> None:
        """Polling: queue it and wait for the next getUpdates; webhook: POST it and drain."""
        if self.client is None:
            await self.fake.wait_confirmed(self.fake.push(update))
            return
        headers = {SECRET_HEADER: self.channel.secret or ""}
        async with self.client.post(WEBHOOK_PATH, json=update, headers=headers) as resp:
            assert resp.status == 200
        await self.channel.drain()

    def phone(self, person: Person = SOMSRI) -> Phone:
        """A person chatting with the bot through this harness."""
        return Phone(self.fake, person, self.deliver)

    async def register(self, phone: Phone) -> list[Sent]:
        """Join with a fresh coordinator invite for PTN01 through a /start deep link."""
        code = await make_invite(self.runtime.store)
        return await phone.say(f"/start {code}", expect=2)


@dataclass
class Phone:
    """One person's Telegram app: says things, presses buttons, returns the bot's new messages."""

    fake: FakeTelegram
    person: Person
    deliver: Deliver

    @property
    def chat(self) -> list[Sent]:
        """Everything the bot sent to this person."""
        return self.fake.chats[self.person.id]

    async def send(self, update: dict[str, Any], expect: int = 1) -> list[Sent]:
        """Deliver an update; the bot's messages sent in answer (`expect` is how many)."""
        before = len(self.chat)
        await self.deliver(update, expect)
        return self.chat[before:]

    async def say(self, text: str | None = None, expect: int = 1, **content: Any) -> list[Sent]:
        """Type a message (or send content: photo=…, sticker=…, location=…)."""
        return await self.send(self.fake.message(self.person, text, **content), expect)

    async def press(self, label_part: str, expect: int = 1) -> list[Sent]:
        """Press the newest button whose label contains this."""
        return await self.send(self.fake.press(self.person, label_part), expect)


@pytest.fixture
async def tg(runtime: Runtime, fake: FakeTelegram, mode: str) -> AsyncIterator[Harness]:
    """The channel started as `prasan run` starts it; in webhook mode, with the web app."""
    channel = await start_channel(runtime, True)
    channel.pacer = Pacer(per_chat=1000)  # transcripts at test speed; pacing is tested alone
    runtime.add_channel(channel)
    runtime.services.append(channel)  # the runtime fixture stops it
    client: TestClient[Any, Any] | None = None
    if mode == "webhook":
        client = TestClient(TestServer(build_app(runtime)))
        await client.start_server()
        await channel.on_listening()  # as bot.web.serve does: register once listening
    try:
        yield Harness(runtime, fake, channel, client)
    finally:
        if client is not None:
            await client.close()


def texts(sent: list[Sent]) -> str:
    """All the text of some bot messages."""
    return "\n".join(s.text for s in sent)


async def inbox_count(runtime: Runtime) -> int:
    """How many inbound events were stored."""
    async with runtime.store.tx() as tx:
        return int(await tx.conn.scalar(select(func.count()).select_from(inbox)) or 0)
