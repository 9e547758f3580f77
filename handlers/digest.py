"""Today's digest on request: a supervisor or admin can read it at any time from the menu."""

from __future__ import annotations

from bot.digest import build_daily
from bot.messages import Outgoing
from bot.workdays import load_calendar
from handlers.context import Ctx


async def todays_digest(ctx: Ctx) -> list[Outgoing]:
    """The daily digest as it reads now, in the reader's scope and language."""
    assert ctx.person is not None
    calendar = await load_calendar(ctx.tx)
    digest = await build_daily(ctx.tx, ctx.person.id, ctx.tx.now(), ctx.tz, calendar)
    return digest(ctx.t)
