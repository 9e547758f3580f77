"""Answering meeting invitations: the RSVP buttons, an optional reason, my upcoming meetings."""

from __future__ import annotations

from enum import StrEnum

from bot.dates import format_datetime
from bot.messages import Button, Outgoing
from handlers.actions import action, refuse
from handlers.context import MAX_TEXT, Ctx, cancel_button, no_words, pick, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step, start
from handlers.menu import main_menu
from storage.queries_meetings import Invitee, Meeting

ANSWERS = ("yes", "no")


def answer_name(ctx: Ctx, answer: str | None) -> str:
    """An answer as the reader says it."""
    names = {"yes": ctx.t("attending"), "no": ctx.t("not attending")}
    return names.get(answer or "", ctx.t("not answered yet"))


@action("rsvp", roles=("coordinator", "supervisor", "admin"))
async def rsvp(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """`rsvp:<meeting>:yes|no`, only for someone invited, until the meeting starts."""
    assert ctx.person is not None
    if len(args) != 2 or not args[0].isdigit() or args[1] not in ANSWERS:
        return await refuse(ctx, "malformed")
    meeting = await ctx.tx.meeting(int(args[0]))
    invitee = None if meeting is None else await ctx.tx.invitee(meeting.id, ctx.person.id)
    if meeting is None or invitee is None:
        return await refuse(ctx, "scope")  # not invited: a forged or misrouted button
    if meeting.status == "cancelled":
        return [await main_menu(ctx, ctx.t("This meeting has been cancelled."))]
    if meeting.starts_at <= ctx.tx.now():
        return [await main_menu(ctx, ctx.t("This meeting has already started, so answers are "
                                           "closed."))]  # fmt: skip
    answer = args[1]
    await ctx.tx.set_answer(meeting.id, ctx.person.id, answer)
    if answer == "yes":
        text = ctx.t("✅ Thank you. You are down as attending “{title}”. You can change your "
                     "answer from 📅 Meetings until it starts.", title=meeting.title)  # fmt: skip
        return [await main_menu(ctx, text)]
    if await ctx.tx.conversation(ctx.person.id) is not None:
        # In the middle of a report: record the answer, do not replace the draft with a question.
        return [ctx.say(ctx.t("Noted: you cannot attend “{title}”.", title=meeting.title))]
    return await start(ctx, REASON_FLOW, {"meeting": meeting.id, "title": meeting.title})


class S(StrEnum):
    REASON = "reason"


def _skip(ctx: Ctx) -> Button:
    return Button(ctx.t("⏭️ Skip"), "skip")


async def ask_reason(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for an optional reason."""
    text = ctx.t("Noted: you cannot attend “{title}”. If you like, type a short reason for the "
                 "organisers, or press Skip.", title=draft["title"])  # fmt: skip
    return [ctx.say(text, [_skip(ctx), cancel_button(ctx)])]


async def take_reason(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Keeps the reason (or none)."""
    assert ctx.person is not None
    thanks = ctx.t("Thank you for letting us know.")
    if pick(ctx, [_skip(ctx)]) == "skip":
        return Done([await main_menu(ctx, thanks)])
    text = strip_controls(ctx.inc.text or "").strip()
    if ctx.inc.kind != "text" or ctx.inc.data is not None or not text or no_words(text):
        return Invalid(ctx.say(ctx.t("Please type the reason in words, or press Skip.")))
    invitee = await ctx.tx.invitee(int(draft["meeting"]), ctx.person.id)
    if invitee is not None and invitee.answer == "no":  # they may have changed their mind since
        await ctx.tx.set_answer(invitee.meeting_id, ctx.person.id, "no", text[:MAX_TEXT])
    return Done([await main_menu(ctx, thanks)])


REASON_FLOW = Flow(name="rsvp_reason", first=S.REASON,
                   steps={S.REASON: Step(ask_reason, take_reason)})  # fmt: skip


def meeting_line(ctx: Ctx, m: Meeting) -> str:
    """'#3 · 15 ธ.ค. 2569 09.00 น. · title · venue'."""
    when = format_datetime(m.starts_at, ctx.tz, ctx.lang)
    return f"#{m.id} · {when} · {m.title} · {m.venue}"


async def my_meetings(ctx: Ctx) -> list[Outgoing]:
    """The upcoming meetings I am invited to, my answer, and buttons to change it."""
    assert ctx.person is not None
    found = (await ctx.tx.meetings_of(ctx.person.id, ctx.tx.now()))[:5]
    if not found:
        return [await main_menu(ctx, ctx.t("You have no upcoming meetings."))]
    lines = [ctx.t("📅 Your upcoming meetings:")]
    buttons: list[Button] = []
    for m, invitee in found:
        lines += ["", meeting_line(ctx, m),
                  ctx.t("Your answer: {answer}", answer=answer_name(ctx, invitee.answer))]  # fmt: skip
        buttons += _change_buttons(ctx, m, invitee)
    lines += ["", ctx.t("You can change your answer until the meeting starts.")]
    menu = Button(ctx.t("🏠 Menu"), "m:menu")
    return [ctx.say("\n".join(lines), [*buttons, menu])]


def _change_buttons(ctx: Ctx, m: Meeting, invitee: Invitee) -> list[Button]:
    buttons = []
    if invitee.answer != "yes":
        buttons.append(Button(ctx.t("✅ Attend #{id}", id=m.id), f"rsvp:{m.id}:yes"))
    if invitee.answer != "no":
        buttons.append(Button(ctx.t("❌ Cannot #{id}", id=m.id), f"rsvp:{m.id}:no"))
    return buttons
