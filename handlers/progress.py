"""Progress report: area → what happened → participants → day → photo/location → summary → send.

See progress.mmd for the diagram.
"""

from __future__ import annotations

from bot.i18n import N_
from bot.messages import Outgoing
from handlers.activity import (
    S,
    activity_day,
    ask_big,
    ask_count,
    ask_participants,
    ask_when,
    participants_line,
    read_facts,
    take_big,
    take_count,
    take_participants,
    take_when,
    when_line,
)
from handlers.context import Ctx, cancel_button
from handlers.flow import Done, Draft, Flow, Invalid, Step, then
from handlers.menu import main_menu
from handlers.report_steps import (
    Part,
    analysis,
    area_answer,
    area_ask,
    area_label,
    attach_answer,
    attach_ask,
    attachments_line,
    edit_step,
    excerpt,
    read_text,
    store_report,
    summary_buttons,
    summary_choice,
)


async def ask_text(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Asks what happened, unless the text is already known."""
    if draft.get("text"):
        return then(draft, S.PARTICIPANTS)
    return [
        ctx.say(
            ctx.t(
                "📝 What happened? Tell me about the activity in a few sentences "
                "(a photo with a caption works too)."
            ),
            [cancel_button(ctx)],
        )
    ]


async def take_text(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the description and reads a participant count out of it."""
    text = await read_text(ctx, draft, ctx.t("what happened"))
    if isinstance(text, Invalid):
        return text
    draft["text"] = text
    for stale in ("participants", "when", "big"):
        draft.pop(stale, None)
    read_facts(ctx, draft)
    return then(draft, S.PARTICIPANTS)


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Shows the summary card with send / edit / cancel."""
    t = ctx.t
    n = draft.get("participants")
    lines = [
        t("📝 Progress report — please check:"),
        t("Area: {area}", area=await area_label(ctx, draft)),
        t("What happened: {text}", text=excerpt(draft["text"])),
        participants_line(t, n, draft.get("groups")),
        when_line(ctx, draft),
        attachments_line(ctx, draft),
    ]
    return [ctx.say("\n".join(lines), summary_buttons(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Saves the report, or goes to editing."""
    choice = summary_choice(ctx, S.EDIT)
    if choice is not None:
        return choice
    draft["when"] = activity_day(ctx, draft).isoformat()
    report_id = await store_report(
        ctx, draft, kind="progress", status="submitted",
        category=analysis(draft["text"]).category, participants=draft.get("participants"),
    )  # fmt: skip
    thanks = ctx.t("✅ Saved, thank you! Your report number is #{id}.", id=report_id)
    return Done([ctx.say(thanks), await main_menu(ctx)])


EDIT = edit_step(
    (
        Part(N_("What happened"), S.TEXT, forget=("text",)),
        Part(N_("Participants"), S.COUNT),
        Part(N_("Activity date"), S.WHEN, forget=("when",)),
        Part(N_("Photo / location"), S.ATTACH),
    ),
    area_state=S.AREA,
    summary_state=S.CONFIRM,
)


FLOW = Flow(
    name="progress",
    first=S.AREA,
    steps={
        S.AREA: Step(area_ask(S.TEXT), area_answer(S.TEXT)),
        S.TEXT: Step(ask_text, take_text),
        S.PARTICIPANTS: Step(ask_participants, take_participants),
        S.COUNT: Step(ask_count, take_count),
        S.BIG: Step(ask_big, take_big),
        S.WHEN: Step(ask_when, take_when),
        S.ATTACH: Step(attach_ask, attach_answer(S.CONFIRM)),
        S.CONFIRM: Step(ask_confirm, take_confirm),
        S.EDIT: EDIT,
    },
    photo_steps=frozenset({S.TEXT, S.ATTACH}),
)
