"""Shared test helpers: a transcript driver over the real inbound path."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import timedelta

from bot.invites import VALID_DAYS, code_hash, new_code
from bot.messages import Incoming, Outgoing, load_messages
from storage.store import Store, utcnow


async def make_invite(
    store: Store, role: str = "coordinator", areas: tuple[str, ...] = ("PTN01",),
    name: str | None = "ทดสอบ ผู้ประสาน", scope: list[list[object]] | None = None,
) -> str:  # fmt: skip
    """Create an invite straight in storage; returns the code as a person would receive it."""
    async with store.tx() as tx:
        if scope is None:
            scope = []
            for code in areas:
                area = await tx.area_by_code(code)
                assert area is not None, code
                scope.append(["area", area.id])
        code = new_code()
        await tx.create_invite(await code_hash(tx, code), role, name, scope,
                               utcnow() + timedelta(days=VALID_DAYS))  # fmt: skip
    return code


@dataclass
class Chat:
    """Drives the inbound path as one person on one channel and collects the bot's replies."""

    runtime: object
    channel: str
    user_id: str
    last: list[Outgoing] = field(default_factory=list)

    async def send(self, text: str | None = None, **kw: object) -> list[Outgoing]:
        """Say something (or press with data=...); returns the bot's messages."""
        inc = Incoming(channel=self.channel, user_id=self.user_id, text=text,
                       event_id=uuid.uuid4().hex, **kw)  # type: ignore[arg-type]  # fmt: skip
        ids = await self.runtime.inbound.receive(inc)  # type: ignore[attr-defined]
        out: list[Outgoing] = []
        async with self.runtime.store.tx() as tx:  # type: ignore[attr-defined]
            for row in await tx.outbox_rows():
                if row["id"] in ids:
                    out.extend(load_messages(row["payload"]))
        self.last = out
        return out

    async def press(self, label_part: str) -> list[Outgoing]:
        """Press the button of the last reply whose label contains `label_part`."""
        for message in reversed(self.last):
            for b in message.buttons:
                if label_part in b.label:
                    return await self.send(data=b.data)
        labels = [b.label for m in self.last for b in m.buttons]
        raise AssertionError(f"no button containing {label_part!r} in {labels}")

    @property
    def text(self) -> str:
        """All text of the last reply."""
        return "\n".join(m.text for m in self.last)

    @property
    def labels(self) -> list[str]:
        """Button labels of the last reply."""
        return [b.label for m in self.last for b in m.buttons]
