"""The console's numbered buttons outlive the process: a bare number in a new `prasan console`
presses a button of the last message the bot showed that person, not nothing."""

from __future__ import annotations

import hashlib
import json

from bot.channels.console import ConsoleChannel
from bot.messages import Button
from storage.store import Store


def _key(user: str) -> str:
    # settings_kv keys are at most 64 characters; console names are not bounded.
    return "console-buttons:" + hashlib.sha256(user.encode()).hexdigest()[:40]


async def restore_buttons(store: Store, console: ConsoleChannel, user: str) -> None:
    """Load the buttons last shown to `user` in an earlier console process."""
    async with store.tx() as tx:
        saved = await tx.kv_get(_key(user))
    if saved:
        console.last_buttons[user] = tuple(Button(label, data) for label, data in json.loads(saved))


async def remember_buttons(store: Store, console: ConsoleChannel, user: str) -> None:
    """Store the buttons last shown to `user` (only when they changed)."""
    buttons = console.last_buttons.get(user)
    if buttons is None:
        return
    value = json.dumps([[b.label, b.data] for b in buttons], ensure_ascii=False)
    async with store.tx() as tx:
        if await tx.kv_get(_key(user)) != value:
            await tx.kv_put(_key(user), value)
