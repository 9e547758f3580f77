"""Admins call meetings: title → time → venue (a map pin too) → agenda → audience → confirm.

See meetings.mmd for the diagram. Notices, reminders, updates and the cancellation
notice are sent by the meetings job (bot/jobs/meetings.py), never from here.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.audience import parse_moment, reach_line
from bot.meeting_notices import details
from bot.messages import Button, Outgoing
from handlers.audience_steps import T, reach_or_retarget, target_steps, targets_of
from handlers.context import Ctx, cancel_button, no_words, pick, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step
from handlers.menu import main_menu
from storage.queries_meetings import Meeting

MAX_FIELD = 300


class S(StrEnum):
    TITLE = "title"
    AT = "at"
    VENUE = "venue"
    AGENDA = "agenda"
    CONFIRM = "confirm"


def typed(ctx: Ctx, limit: int = MAX_FIELD) -> str | None:
    """The typed words of this message, or None (a press, a sticker, only emoji)."""
    if ctx.inc.kind != "text" or ctx.inc.data is not None:
        return None
    text = strip_controls(ctx.inc.text or "").strip()
    return text[:limit] if text and not no_words(text) else None


async def ask_title(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the title."""
    text = ctx.t("📅 New meeting. What is it called? (e.g. Monthly progress meeting, Pattani)")
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_title(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the title."""
    title = typed(ctx, 200)
    if title is None:
        return Invalid(ctx.say(ctx.t("Please type the meeting's title.")))
    draft["title"] = title
    return S.AT


async def ask_at(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the date and time."""
    text = ctx.t("🗓️ When does it start? Type the date and time, e.g. 15/12/2569 09:00.")
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_at(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Reads a future date and time."""
    moment = read_moment(ctx)
    if isinstance(moment, Invalid):
        return moment
    draft["starts_at"] = moment.isoformat()
    return S.VENUE


def read_moment(ctx: Ctx) -> datetime | Invalid:
    """A future moment typed by the admin, or what to type instead."""
    moment = parse_moment(ctx.inc.text or "", ctx.tz)
    if moment is None:
        return Invalid(ctx.say(ctx.t("I could not read that. Please type day/month/year and the "
                                     "time, e.g. 15/12/2569 09:00.")))  # fmt: skip
    if moment <= ctx.tx.now():
        return Invalid(ctx.say(ctx.t("That time has already passed. Please give a later time.")))
    return moment


async def ask_venue(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks where (a map pin is welcome too)."""
    text = ctx.t("📍 Where? Type the venue. You can also send its location on the map.")
    return [ctx.say(text, [cancel_button(ctx)])]


def read_venue(ctx: Ctx, draft: Draft) -> str | Invalid | None:
    """The venue typed; None after keeping a map pin (then the name is asked again)."""
    inc = ctx.inc
    if inc.kind == "location" and inc.latitude is not None and inc.longitude is not None:
        draft["latitude"], draft["longitude"] = inc.latitude, inc.longitude
        return None
    venue = typed(ctx)
    if venue is None:
        return Invalid(ctx.say(ctx.t("Please type the venue (a map location is optional).")))
    return venue


async def take_venue(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the venue and any map pin."""
    venue = read_venue(ctx, draft)
    if venue is None:
        return Invalid(ctx.say(ctx.t("📍 Location kept. Now please type the venue's name.")))
    if isinstance(venue, Invalid):
        return venue
    draft["venue"] = venue
    return S.AGENDA


def _skip(ctx: Ctx) -> Button:
    return Button(ctx.t("⏭️ Skip"), "skip")


async def ask_agenda(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the agenda (optional)."""
    text = ctx.t("📝 The agenda? Type it, or press Skip.")
    return [ctx.say(text, [_skip(ctx), cancel_button(ctx)])]


async def take_agenda(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the agenda, or none."""
    if pick(ctx, [_skip(ctx)]) == "skip":
        draft["agenda"] = None
        return T.TARGET
    agenda = typed(ctx, 2000)
    if agenda is None:
        return Invalid(ctx.say(ctx.t("Please type the agenda, or press Skip.")))
    draft["agenda"] = agenda
    return T.TARGET


def draft_meeting(draft: Draft) -> Meeting:
    """The meeting as it would be stored (for the summary)."""
    return Meeting(
        id=0, title=draft["title"], starts_at=datetime.fromisoformat(draft["starts_at"]),
        venue=draft["venue"], latitude=draft.get("latitude"), longitude=draft.get("longitude"),
        agenda=draft.get("agenda"), targets=targets_of(draft), created_by=None,
        created_at=datetime.fromisoformat(draft["starts_at"]), status="scheduled", version=1,
    )  # fmt: skip


def _confirm_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("✅ Confirm"), "mt:send"), cancel_button(ctx)]


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Shows the meeting and whom it invites."""
    got = await reach_or_retarget(ctx, draft)
    if isinstance(got, str):
        return got
    who, reach = got
    lines = [
        ctx.t("📅 New meeting — please check:"),
        *details(ctx.t, draft_meeting(draft), ctx.tz),
        "",
        ctx.t("Invites: {who} — {reach}", who=who, reach=reach_line(ctx.t, reach)),
        ctx.t(
            "Each person gets the notice with attend / cannot attend buttons, and reminders "
            "the day before and two hours before."
        ),
    ]
    return [ctx.say("\n".join(lines), _confirm_buttons(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Records the meeting and its invitees; the meetings job sends the notices."""
    assert ctx.person is not None
    if pick(ctx, _confirm_buttons(ctx)) != "mt:send":
        return Invalid(ctx.say(ctx.t("Please press Confirm to send, or Cancel.")))
    m = draft_meeting(draft)
    meeting_id = await ctx.tx.create_meeting(
        title=m.title, starts_at=m.starts_at, venue=m.venue, targets=m.targets, agenda=m.agenda,
        latitude=m.latitude, longitude=m.longitude, created_by=ctx.person.id,
    )  # fmt: skip
    invited = len(await ctx.tx.invitees(meeting_id))
    await ctx.tx.audit(f"person:{ctx.person.id}", "meeting_created", meeting_id=meeting_id,
                       targets=[t.dump() for t in m.targets], invited=invited)  # fmt: skip
    done = ctx.t("📅 Meeting #{id} is set. Invitations go out to {n} people within a minute; "
                 "see the answers in 📅 Meetings.", id=meeting_id, n=invited)  # fmt: skip
    return Done([await main_menu(ctx, done)])


FLOW = Flow(
    name="meeting",
    first=S.TITLE,
    steps={
        S.TITLE: Step(ask_title, take_title),
        S.AT: Step(ask_at, take_at),
        S.VENUE: Step(ask_venue, take_venue),
        S.AGENDA: Step(ask_agenda, take_agenda),
        **target_steps(S.CONFIRM),
        S.CONFIRM: Step(ask_confirm, take_confirm),
    },
)
