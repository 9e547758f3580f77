"""Admins follow their meetings: the list with counts, who is coming, change time or venue, cancel."""

from __future__ import annotations

from enum import StrEnum

from bot.i18n import join_names
from bot.meeting_notices import details
from bot.messages import Button, Outgoing
from handlers.actions import action, refuse
from handlers.context import Ctx, cancel_button
from handlers.flow import Done, Draft, Flow, Invalid, Step, start
from handlers.meetings import read_moment, read_venue
from handlers.menu import main_menu
from handlers.rsvp import meeting_line, my_meetings
from storage.queries_meetings import Invitee, Meeting


def counts_line(ctx: Ctx, invitees: list[Invitee]) -> str:
    """'✅ 5 · ❌ 1 · ⏳ 10'."""
    yes = sum(1 for i in invitees if i.answer == "yes")
    no = sum(1 for i in invitees if i.answer == "no")
    return ctx.t("✅ attending {yes} · ❌ not attending {no} · ⏳ no answer {none}",
                 yes=yes, no=no, none=len(invitees) - yes - no)  # fmt: skip


async def meetings_menu(ctx: Ctx) -> list[Outgoing]:
    """Admins: upcoming meetings with counts; others: the meetings they are invited to."""
    assert ctx.person is not None
    if ctx.person.role != "admin":
        return await my_meetings(ctx)
    upcoming = [m for m in await ctx.tx.meetings_list(after=ctx.tx.now())
                if m.status == "scheduled"][:8]  # fmt: skip
    lines = [ctx.t("📅 Upcoming meetings:")] if upcoming else [ctx.t("No upcoming meetings.")]
    for m in upcoming:
        lines += ["", meeting_line(ctx, m), counts_line(ctx, await ctx.tx.invitees(m.id))]
    buttons = [Button(f"👥 #{m.id}", f"mtg:{m.id}:who") for m in upcoming]
    buttons += [Button(ctx.t("➕ New meeting"), "m:newmeeting"), Button(ctx.t("🏠 Menu"), "m:menu")]
    return [ctx.say("\n".join(lines), buttons)]


def _names(ctx: Ctx, invitees: list[Invitee], with_reason: bool = False) -> str:
    parts = [i.name + (f" ({i.reason})" if with_reason and i.reason else "") for i in invitees]
    return join_names(ctx.t, parts) if parts else "-"


async def attendees(ctx: Ctx, m: Meeting) -> list[Outgoing]:
    """The meeting, its counts and who answered what."""
    invitees = await ctx.tx.invitees(m.id)
    yes = [i for i in invitees if i.answer == "yes"]
    no = [i for i in invitees if i.answer == "no"]
    waiting = [i for i in invitees if i.answer is None]
    lines = [
        *details(ctx.t, m, ctx.tz),
        "",
        counts_line(ctx, invitees),
        ctx.t("✅ Attending: {names}", names=_names(ctx, yes)),
        ctx.t("❌ Not attending: {names}", names=_names(ctx, no, with_reason=True)),
        ctx.t("⏳ No answer yet: {names}", names=_names(ctx, waiting)),
    ]
    buttons = [
        Button(ctx.t("🕒 Change time"), f"mtg:{m.id}:time"),
        Button(ctx.t("📍 Change venue"), f"mtg:{m.id}:venue"),
        Button(ctx.t("🚫 Cancel meeting"), f"mtg:{m.id}:cancel"),
        Button(ctx.t("🏠 Menu"), "m:menu"),
    ]
    return [ctx.say("\n".join(lines), buttons if m.status == "scheduled" else buttons[-1:])]


@action("mtg", roles=("admin",))
async def manage(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """`mtg:<id>:who|time|venue|cancel|cancelok`."""
    assert ctx.person is not None
    if len(args) != 2 or not args[0].isdigit():
        return await refuse(ctx, "malformed")
    m = await ctx.tx.meeting(int(args[0]))
    if m is None:
        return await refuse(ctx, "scope")
    verb = args[1]
    if verb == "who":
        return await attendees(ctx, m)
    if m.status != "scheduled" or m.starts_at <= ctx.tx.now():
        return [await main_menu(ctx, ctx.t("This meeting is cancelled or has started; it can "
                                           "no longer be changed."))]  # fmt: skip
    if verb == "cancel":
        text = ctx.t("Cancel “{title}”? Everyone invited will be told.", title=m.title)
        return [ctx.say(text, [Button(ctx.t("🚫 Yes, cancel it"), f"mtg:{m.id}:cancelok"),
                               Button(ctx.t("↩️ Keep it"), f"mtg:{m.id}:who")])]  # fmt: skip
    if verb == "cancelok":
        await ctx.tx.cancel_meeting(m.id)
        await ctx.tx.audit(f"person:{ctx.person.id}", "meeting_cancelled", meeting_id=m.id)
        text = ctx.t("🚫 Meeting #{id} is cancelled. Everyone who was told about it will get a "
                     "cancellation notice.", id=m.id)  # fmt: skip
        return [await main_menu(ctx, text)]
    if verb in ("time", "venue"):
        if await ctx.tx.conversation(ctx.person.id) is not None:
            return [ctx.say(ctx.t("Please finish or cancel what you are doing first."))]
        return await start(ctx, EDIT_FLOW, {"meeting": m.id, "_state": verb})
    return await refuse(ctx, "malformed")


class E(StrEnum):
    START = "start"
    TIME = "time"
    VENUE = "venue"


async def ask_start(ctx: Ctx, draft: Draft) -> str:
    """Goes to the field being changed."""
    return E.TIME if draft.pop("_state") == "time" else E.VENUE


async def ask_time(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the new time."""
    text = ctx.t("🕒 The new date and time? e.g. 15/12/2569 13:30")
    return [ctx.say(text, [cancel_button(ctx)])]


async def ask_venue(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the new venue."""
    text = ctx.t("📍 The new venue? You can also send its location on the map.")
    return [ctx.say(text, [cancel_button(ctx)])]


async def _changed(ctx: Ctx, draft: Draft, **values: object) -> Done:
    assert ctx.person is not None
    m = await ctx.tx.meeting(int(draft["meeting"]))
    if m is None or m.status != "scheduled" or m.starts_at <= ctx.tx.now():
        return Done([await main_menu(ctx, ctx.t("This meeting is cancelled or has started; it "
                                                "can no longer be changed."))])  # fmt: skip
    await ctx.tx.change_meeting(m.id, **values)
    await ctx.tx.audit(f"person:{ctx.person.id}", "meeting_changed", meeting_id=m.id,
                       fields=sorted(values))  # fmt: skip
    text = ctx.t("✅ Meeting #{id} is updated. Everyone invited will get an update notice.",
                 id=m.id)  # fmt: skip
    return Done([await main_menu(ctx, text)])


async def take_time(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Moves the meeting."""
    moment = read_moment(ctx)
    if isinstance(moment, Invalid):
        return moment
    return await _changed(ctx, draft, starts_at=moment)


async def take_venue(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Changes the venue (and its map pin, which a new venue replaces)."""
    venue = read_venue(ctx, draft)
    if venue is None:
        return Invalid(ctx.say(ctx.t("📍 Location kept. Now please type the venue's name.")))
    if isinstance(venue, Invalid):
        return venue
    lat, lon = draft.get("latitude"), draft.get("longitude")
    return await _changed(ctx, draft, venue=venue, latitude=lat, longitude=lon)


async def _never(ctx: Ctx, draft: Draft) -> str:
    return E.TIME


EDIT_FLOW = Flow(
    name="meeting_edit",
    first=E.START,
    steps={
        E.START: Step(ask_start, _never),
        E.TIME: Step(ask_time, take_time),
        E.VENUE: Step(ask_venue, take_venue),
    },
)
