"""What the sender tells people: admins when messages are given up on, a person when a reply
comes late (so an hours-old answer does not read as if fresh)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.channels.errors import ChannelError
from bot.dates import format_datetime
from bot.i18n import Translator, translator
from bot.messages import Outgoing
from bot.notify import NotifyResult, notify
from storage.queries_messaging import OutboxRow
from storage.store import Tx

if TYPE_CHECKING:
    from bot.outbox import Sender

log = logging.getLogger(__name__)

ALERT_TAG = "outbox-alert"
QUOTA_TAG = "line-quota"
QUOTA_WARNING = 0.8  # admins are told when this share of the monthly quota is used
# A reply this much later than the message it answers says so.
LATE_AFTER = timedelta(minutes=10)


async def alert_admins(tx: Tx, rows: list[OutboxRow], give_up_after: timedelta) -> bool:
    """Tell every active admin that messages were given up on (at most once an hour each).

    Returns whether an alert was queued. Alerts about alerts are not sent (no loop when an
    admin's own chat app is the one that is down).
    """
    if all(r.tag == ALERT_TAG for r in rows):
        return False
    now = tx.now()
    hours = max(1, round(give_up_after.total_seconds() / 3600))
    count = len(rows)

    def compose(t: Translator) -> list[Outgoing]:
        return [Outgoing(t("⚠️ {count} message(s) could not be delivered after trying for "
                           "{hours} hours. The list: `prasan outbox dead`; to send them "
                           "again: `prasan outbox retry --all`.", count=count, hours=hours))]  # fmt: skip

    queued = False
    for person_id in await tx.active_admins():
        key = f"outbox-dead:{person_id}:{now:%Y-%m-%dT%H}"
        result = await notify(tx, person_id, compose, key, tag=ALERT_TAG)
        queued = queued or result == NotifyResult.QUEUED
    return queued


async def late_note(sender: Sender, row: OutboxRow, messages: list[Outgoing]) -> list[Outgoing]:
    """A reply going out long after the message it answers starts by saying so."""
    if sender.now() - row.created_at < LATE_AFTER:
        return messages
    lang = await sender.compose_language(row)
    t = translator(lang)
    when = format_datetime(row.created_at, sender.timezone, lang)
    note = t("⏳ Sorry for the late answer: our system was unreachable for a while. This "
             "answers your message of {when}.", when=when)  # fmt: skip
    return [Outgoing(note), *messages]


async def quota_warning(tx: Tx, used: int, limit: int) -> bool:
    """Tell every active admin how much of LINE's monthly quota is used (once a month)."""
    now = tx.now()
    percent = round(100 * used / limit)

    def compose(t: Translator) -> list[Outgoing]:
        return [Outgoing(t("⚠️ This month's LINE message quota is {percent} percent used "
                           "({used} of {limit}). When it runs out, LINE messages wait until "
                           "next month.",
                           percent=percent, used=used, limit=limit))]  # fmt: skip

    queued = False
    for person_id in await tx.active_admins():
        key = f"line-quota:{person_id}:{now:%Y-%m}"
        result = await notify(tx, person_id, compose, key, tag=QUOTA_TAG)
        queued = queued or result == NotifyResult.QUEUED
    return queued


async def check_quota(sender: Sender) -> None:
    """Read LINE's monthly quota into the sender's metrics; warn admins from 80 %."""
    line: Any = sender.channels.get("line")
    if line is None or not hasattr(line, "quota"):
        return
    try:
        used, limit = await line.quota()
    except ChannelError as exc:
        log.warning("LINE quota not read: %s", exc)
        return
    sender.metrics.quota_used.set(used)
    if limit is None:
        return
    sender.metrics.quota_limit.set(limit)
    if limit and used / limit >= QUOTA_WARNING:
        async with sender._tx() as tx:
            queued = await quota_warning(tx, used, limit)
        if queued:
            sender.wake()
