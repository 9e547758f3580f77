"""notify: the one way to reach a person proactively.

Reminders, digests, broadcasts, meeting notices and problem updates all call this:
it picks the person's chat account (the app they chose, else the one they used
last), renders the message in their language, and queues it in the durable outbox
under a dedupe key, so however often a job or an admin repeats it, it goes once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from enum import StrEnum

from bot.i18n import Translator, translator
from bot.messages import Outgoing, dump_messages
from storage.store import Tx

Compose = Callable[[Translator], list[Outgoing]]


class NotifyResult(StrEnum):
    """What became of one notice."""

    QUEUED = "queued"
    DUPLICATE = "duplicate"  # this key was queued before: nothing new is sent
    UNREACHABLE = "unreachable"  # registered, but no active chat account (blocked the bot)
    INACTIVE = "inactive"  # deactivated or unknown person


async def notify(
    tx: Tx,
    person_id: int,
    compose: Compose,
    key: str,
    *,
    send_at: datetime | None = None,
    not_after: datetime | None = None,
    tag: str | None = None,
) -> NotifyResult:
    """Queue `compose(t)` for a person once per `key` (the key should name the person)."""
    to = await tx.reachable(person_id)
    if to is None:
        return NotifyResult.INACTIVE
    if to.channel is None:
        return NotifyResult.UNREACHABLE
    # The key's unique constraint tells a repeat (the insert is skipped): no query before.
    payload = dump_messages(compose(translator(to.language)))
    queued = await tx.enqueue_notice(
        to, payload, key, send_at=send_at, not_after=not_after, tag=tag
    )
    return NotifyResult.QUEUED if queued is not None else NotifyResult.DUPLICATE
