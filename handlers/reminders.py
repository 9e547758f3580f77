"""Buttons on reminders: report now for an area, and leave (which pauses reminders).

`remind:report:<area code>` opens the progress flow with that area chosen;
`leave:week`, `leave:ask`, `leave:until:<YYYY-MM-DD>` and `leave:end` set or end leave.
The same leave choices are on the coordinator's menu. Button data can be forged, so
the area is checked against the presser's own areas and a date against a sane range.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from bot.dates import format_date
from bot.messages import Button, Outgoing
from handlers import progress
from handlers.actions import action, refuse
from handlers.context import Ctx
from handlers.flow import start
from handlers.menu import main_menu
from handlers.report_steps import my_areas

MAX_LEAVE = timedelta(days=92)  # longer absences are the programme office's business


def _today(ctx: Ctx) -> date:
    return ctx.tx.now().astimezone(ctx.tz).date()


def _show(ctx: Ctx, day: date, short: bool = False) -> str:
    return format_date(datetime.combine(day, time(12), ctx.tz), ctx.tz, ctx.lang, short=short)


@action("remind", roles=("coordinator",))
async def report_now(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """Open the progress report for the area named on the reminder's button."""
    assert ctx.person is not None
    if len(args) != 2 or args[0] != "report":
        return await refuse(ctx, "malformed")
    area = next((a for a in await my_areas(ctx) if a.code == args[1]), None)
    if area is None:
        return await refuse(ctx, "scope")
    if await ctx.tx.conversation(ctx.person.id) is not None:
        return []  # a report is in progress: the router keeps it and says how to go on
    return await start(ctx, progress.FLOW, {"area_id": area.id})


def _leave_choices(ctx: Ctx, on_leave: bool) -> list[Button]:
    t = ctx.t
    buttons = [Button(t("🏖️ On leave this week"), "leave:week"),
               Button(t("📅 On leave until…"), "leave:ask")]  # fmt: skip
    if on_leave:
        buttons.append(Button(t("👋 I am back at work"), "leave:end"))
    return [*buttons, Button(t("🏠 Menu"), "m:menu")]


async def leave_menu(ctx: Ctx) -> list[Outgoing]:
    """The coordinator's leave: what is recorded, and the choices."""
    assert ctx.person is not None
    today = _today(ctx)
    leave = await ctx.tx.leave_of(ctx.person.id, today)
    if leave is None:
        text = ctx.t("🏖️ Going on leave? While you are away I will not send you reminders.")
    else:
        text = ctx.t(
            "🏖️ Your leave is recorded from {start} to {end}; no reminders until then.",
            start=_show(ctx, leave.starts_on), end=_show(ctx, leave.ends_on),
        )  # fmt: skip
    return [ctx.say(text, _leave_choices(ctx, leave is not None))]


async def _record(ctx: Ctx, until: date) -> list[Outgoing]:
    assert ctx.person is not None
    today = _today(ctx)
    await ctx.tx.set_leave(ctx.person.id, today, until)
    await ctx.tx.audit(f"person:{ctx.person.id}", "leave", until=until.isoformat())
    text = ctx.t(
        "✅ Noted: you are on leave until {end}. I will not send you reminders until then. "
        "Take good care! 🙏",
        end=_show(ctx, until),
    )
    return [await main_menu(ctx, text)]


@action("leave", roles=("coordinator",))
async def leave(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """Leave from a reminder or the menu: this week, until a chosen day, or back at work."""
    assert ctx.person is not None
    today = _today(ctx)
    match args:
        case ("week",):
            return await _record(ctx, today + timedelta(days=6 - today.weekday()))
        case ("ask",):
            sundays = [today + timedelta(days=6 - today.weekday() + 7 * w) for w in range(1, 5)]
            buttons = [
                Button(ctx.t("Until {day}", day=_show(ctx, d, short=True)), f"leave:until:{d}")
                for d in sundays
            ]
            return [ctx.say(ctx.t("📅 Until which day are you on leave?"),
                            [*buttons, Button(ctx.t("🏠 Menu"), "m:menu")])]  # fmt: skip
        case ("until", raw):
            try:
                until = date.fromisoformat(raw)
            except ValueError:
                return await refuse(ctx, "malformed")
            if not today <= until <= today + MAX_LEAVE:
                return await refuse(ctx, "range")
            return await _record(ctx, until)
        case ("end",):
            await ctx.tx.end_leave(ctx.person.id, today)
            text = ctx.t("👋 Welcome back! Reminders are on again.")
            return [await main_menu(ctx, text)]
    return await refuse(ctx, "malformed")
