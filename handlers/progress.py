"""Progress report: area → what happened → participants → photo/location → summary → send.

See progress.mmd for the diagram.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot import nlp
from bot.i18n import N_, Translator, number
from bot.messages import Button, Outgoing
from handlers.context import Ctx, cancel_button, pick
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


class S(StrEnum):
    AREA = "area"
    TEXT = "text"
    PARTICIPANTS = "participants"
    COUNT = "count"
    ATTACH = "attach"
    CONFIRM = "confirm"
    EDIT = "edit"


_NUMBER = re.compile(r"^\s*(\d{1,6})\s*(คน|ราย|ท่าน|people|persons?|orang)?\s*$", re.IGNORECASE)


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
    draft["guess"] = analysis(text).participants
    draft.pop("participants", None)
    return then(draft, S.PARTICIPANTS)


def _count_buttons(ctx: Ctx, guess: int | None) -> list[Button]:
    t = ctx.t
    none = Button(t("➖ Not counted"), "none")
    if guess is None:
        return [none, cancel_button(ctx)]
    return [
        Button(t("✅ Yes, {n}", n=number(guess)), "yes"),
        Button(t("✏️ Change"), "change"),
        none,
        cancel_button(ctx),
    ]


async def ask_participants(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Confirms the participant count read from the text, or asks for it."""
    guess = draft.get("guess")
    if guess is None:
        return S.COUNT
    text = ctx.t("👥 About {n} participants — is that right?", n=number(guess))
    return [ctx.say(text, _count_buttons(ctx, guess))]


async def take_participants(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Yes / change / not counted, or a typed number."""
    choice = pick(ctx, _count_buttons(ctx, draft.get("guess")))
    if choice == "yes":
        draft["participants"] = draft["guess"]
    elif choice == "none":
        draft["participants"] = None
    elif choice == "change":
        return S.COUNT
    else:
        typed = _typed_number(ctx.inc.text)
        if typed is None:
            return Invalid(ctx.say(ctx.t("Please press a button, or type the number of people.")))
        draft["participants"] = typed
    return then(draft, S.ATTACH)


async def ask_count(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks how many took part."""
    return [
        ctx.say(
            ctx.t("👥 How many people took part? Type a number, e.g. 25."),
            _count_buttons(ctx, None),
        )
    ]


async def take_count(ctx: Ctx, draft: Draft) -> str | Invalid:
    """A number (Thai digits too) or 'not counted'."""
    if pick(ctx, _count_buttons(ctx, None)) == "none":
        draft["participants"] = None
        return then(draft, S.ATTACH)
    typed = _typed_number(ctx.inc.text)
    if typed is None:
        return Invalid(ctx.say(ctx.t('Please type a number such as 25, or press "Not counted".')))
    draft["participants"] = typed
    return then(draft, S.ATTACH)


def _typed_number(text: str | None) -> int | None:
    if not text:
        return None
    m = _NUMBER.match(nlp.normalize(text))
    if m is None:
        return None
    n = int(m.group(1))
    return n if 0 <= n <= 100_000 else None


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Shows the summary card with send / edit / cancel."""
    t = ctx.t
    n = draft.get("participants")
    lines = [
        t("📝 Progress report — please check:"),
        t("Area: {area}", area=await area_label(ctx, draft)),
        t("What happened: {text}", text=excerpt(draft["text"])),
        participants_line(t, n),
        attachments_line(ctx, draft),
    ]
    return [ctx.say("\n".join(lines), summary_buttons(ctx))]


def participants_line(t: Translator, n: int | None) -> str:
    """'Participants: 1,250 people' or 'not counted'."""
    if n is None:
        return t("Participants: not counted")
    return t.plural("Participants: {count} person", "Participants: {count} people", n,
                    count=number(n))  # fmt: skip


async def take_confirm(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Saves the report, or goes to editing."""
    choice = summary_choice(ctx, S.EDIT)
    if choice is not None:
        return choice
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
        S.ATTACH: Step(attach_ask, attach_answer(S.CONFIRM)),
        S.CONFIRM: Step(ask_confirm, take_confirm),
        S.EDIT: EDIT,
    },
    photo_steps=frozenset({S.TEXT, S.ATTACH}),
)
