"""Problem (obstacle) report: area → describe → category → urgency → photos → summary → ticket.

See obstacle.mmd for the diagram.
"""

from __future__ import annotations

from enum import StrEnum

from bot import nlp
from bot.i18n import N_
from bot.messages import Button, Outgoing
from handlers.context import Ctx, cancel_button, pick
from handlers.flow import Done, Draft, Flow, Invalid, Step, then
from handlers.labels import SEVERITY_NAMES, category_name, severity_name
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
    report_terms,
    store_report,
    summary_buttons,
    summary_choice,
)
from handlers.ticket_notices import announce_problem, link_similar, office_name


class S(StrEnum):
    AREA = "area"
    TEXT = "text"
    CATEGORY = "category"
    SEVERITY = "severity"
    ATTACH = "attach"
    CONFIRM = "confirm"
    EDIT = "edit"


async def ask_text(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Asks for the problem, unless the text is already known."""
    if draft.get("text"):
        return then(draft, S.CATEGORY)
    return [
        ctx.say(
            ctx.t("⚠️ Please describe the problem: what is happening, where, and who is affected."),
            [cancel_button(ctx)],
        )
    ]


async def take_text(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the description."""
    text = await read_text(ctx, draft, ctx.t("the problem"))
    if isinstance(text, Invalid):
        return text
    draft["text"] = text
    draft.pop("category", None)
    draft.pop("ranked", None)
    return then(draft, S.CATEGORY)


def _category_buttons(ctx: Ctx, draft: Draft) -> list[Button]:
    ranked = draft.get("ranked") or list(nlp.CATEGORIES)
    suggested = draft.get("suggested")
    return [
        Button(("✅ " if c == suggested != "other" else "") + category_name(ctx.t, c),
               f"cat:{c}")
        for c in ranked
    ]  # fmt: skip


async def ask_category(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Suggests a category (the suggestion first, then the others)."""
    if not draft.get("ranked"):
        a = analysis(draft["text"])
        code, ranked = a.category, a.ranked_categories
        draft["suggested"], draft["ranked"] = code, list(ranked)
    name = category_name(ctx.t, draft["suggested"])
    if draft["suggested"] == "other":
        text = ctx.t("🏷️ Which kind of problem is this? Choose a category.")
    else:
        text = ctx.t(
            '🏷️ This sounds like a "{category}" problem — is that right? '
            "If not, choose another category.",
            category=name,
        )
    return [ctx.say(text, [*_category_buttons(ctx, draft), cancel_button(ctx)])]


async def take_category(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Takes the chosen category."""
    full = [Button(category_name(ctx.t, c), f"cat:{c}") for c in nlp.CATEGORIES]
    choice = pick(ctx, [*_category_buttons(ctx, draft), *full])
    if choice is None:
        return Invalid(ctx.say(ctx.t("Please choose a category with the buttons.")))
    draft["category"] = choice.split(":", 1)[1]
    return then(draft, S.SEVERITY)


def _severity_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t(label), f"sev:{code}") for code, label in SEVERITY_NAMES.items()]


async def ask_severity(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks how urgent the problem is."""
    return [ctx.say(ctx.t("⏱️ How urgent is it?"), [*_severity_buttons(ctx), cancel_button(ctx)])]


async def take_severity(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Not urgent / fairly urgent / urgent."""
    choice = pick(ctx, _severity_buttons(ctx))
    if choice is None:
        return Invalid(ctx.say(ctx.t("Please choose how urgent it is with the buttons.")))
    draft["severity"] = choice.split(":", 1)[1]
    return then(draft, S.ATTACH)


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Shows the summary with send / edit / cancel."""
    t = ctx.t
    lines = [
        t("⚠️ Problem report — please check:"),
        t("Area: {area}", area=await area_label(ctx, draft)),
        t("Problem: {text}", text=excerpt(draft["text"])),
        t("Category: {category}", category=category_name(t, draft["category"])),
        t("Urgency: {urgency}", urgency=severity_name(t, draft["severity"])),
        attachments_line(ctx, draft),
    ]
    return [ctx.say("\n".join(lines), summary_buttons(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Opens the ticket and tells the supervisors."""
    choice = summary_choice(ctx, S.EDIT)
    if choice is not None:
        return choice
    ticket = await store_report(
        ctx, draft, kind="obstacle", status="open", category=draft["category"],
        severity=draft["severity"],
    )  # fmt: skip
    t = ctx.t
    await link_similar(ctx.tx, ticket, list(report_terms(draft["text"])), ctx.tx.now())
    stored = await ctx.tx.ticket(ticket)
    assert stored is not None
    office = await announce_problem(ctx.tx, stored)
    if office[0] == "office":
        done = t("🎫 Recorded as ticket #{id}. The programme office will see it and follow up.",
                 id=ticket)  # fmt: skip
    else:
        done = t("🎫 Recorded as ticket #{id}. {who} will see it and follow up.", id=ticket,
                 who=office_name(t, office))  # fmt: skip
    told = t("I will tell you here whenever its state changes.")
    return Done([ctx.say(f"{done}\n{told}"), await main_menu(ctx)])


EDIT = edit_step(
    (
        Part(N_("Problem"), S.TEXT, forget=("text", "ranked"), then=S.CATEGORY),
        Part(N_("Category"), S.CATEGORY),
        Part(N_("Urgency"), S.SEVERITY),
        Part(N_("Photo / location"), S.ATTACH),
    ),
    area_state=S.AREA,
    summary_state=S.CONFIRM,
)


FLOW = Flow(
    name="obstacle",
    first=S.AREA,
    steps={
        S.AREA: Step(area_ask(S.TEXT), area_answer(S.TEXT)),
        S.TEXT: Step(ask_text, take_text),
        S.CATEGORY: Step(ask_category, take_category),
        S.SEVERITY: Step(ask_severity, take_severity),
        S.ATTACH: Step(attach_ask, attach_answer(S.CONFIRM)),
        S.CONFIRM: Step(ask_confirm, take_confirm),
        S.EDIT: EDIT,
    },
    photo_steps=frozenset({S.TEXT, S.ATTACH}),
)
