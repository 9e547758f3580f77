"""Admin broadcast: text → audience → preview with counts → now or later → confirm.

See broadcast.mmd for the diagram. Nothing is stored until Confirm; then the
broadcast is one committed row that the sender's side expands (bot/broadcasting.py).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from bot.audience import parse_moment, reach_line
from bot.dates import format_datetime
from bot.messages import Button, Outgoing
from handlers.audience_steps import T, audience_reach, reach_or_retarget, target_steps, targets_of
from handlers.context import MAX_TEXT, Ctx, cancel_button, no_words, pick, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step
from handlers.menu import main_menu
from handlers.report_steps import excerpt


class S(StrEnum):
    TEXT = "text"
    WHEN = "when"
    AT = "at"
    CONFIRM = "confirm"


async def ask_text(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the announcement."""
    text = ctx.t("📢 Please type the announcement. It goes out exactly as you write it.")
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_text(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Keeps the announcement."""
    inc = ctx.inc
    if inc.kind != "text" or inc.data is not None:
        return Invalid(ctx.say(ctx.t("Please type the announcement as text.")))
    text = strip_controls(inc.text or "").strip()
    if not text or no_words(text):
        return Invalid(ctx.say(ctx.t("Please type the announcement in words.")))
    if len(text) > MAX_TEXT:
        return Invalid(ctx.say(ctx.t("That is too long ({n} characters). Please keep it under "
                                     "{max}.", n=len(text), max=MAX_TEXT)))  # fmt: skip
    draft["text"] = text
    return T.TARGET


def _when_buttons(ctx: Ctx) -> list[Button]:
    t = ctx.t
    return [Button(t("📤 Send now"), "bc:now"), Button(t("🕒 Send later"), "bc:later"),
            Button(t("👥 Change recipients"), "bc:retarget"), cancel_button(ctx)]  # fmt: skip


async def ask_when(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Shows the preview with counts per chat app; asks now or later."""
    got = await reach_or_retarget(ctx, draft)
    if isinstance(got, str):
        return got
    who, reach = got
    lines = [
        ctx.t("📢 Preview:"),
        excerpt(draft["text"]),
        "",
        ctx.t("To: {who}", who=who),
        ctx.t("Reaches: {reach}", reach=reach_line(ctx.t, reach)),
        "",
        ctx.t("Send now, or at a time you choose?"),
    ]
    return [ctx.say("\n".join(lines), _when_buttons(ctx))]


async def take_when(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Now, later, or back to the recipients."""
    choice = pick(ctx, _when_buttons(ctx))
    if choice == "bc:now":
        draft.pop("send_at", None)
        return S.CONFIRM
    if choice == "bc:later":
        return S.AT
    if choice == "bc:retarget":
        draft["targets"] = []
        return T.TARGET
    return Invalid(ctx.say(ctx.t("Please choose Send now, Send later or Cancel.")))


async def ask_at(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the date and time."""
    text = ctx.t("🕒 When should it go out? Type the date and time, e.g. 15/12/2569 09:00.")
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_at(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Reads a future date and time (Buddhist Era or Common Era year)."""
    moment = parse_moment(ctx.inc.text or "", ctx.tz)
    if moment is None:
        return Invalid(ctx.say(ctx.t("I could not read that. Please type day/month/year and the "
                                     "time, e.g. 15/12/2569 09:00.")))  # fmt: skip
    if moment <= ctx.tx.now():
        return Invalid(ctx.say(ctx.t("That time has already passed. Please give a later time.")))
    draft["send_at"] = moment.isoformat()
    return S.CONFIRM


def _confirm_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("✅ Confirm"), "bc:send"), cancel_button(ctx)]


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the final yes."""
    who, reach = await audience_reach(ctx, draft)
    send_at = draft.get("send_at")
    when = (
        format_datetime(datetime.fromisoformat(send_at), ctx.tz, ctx.lang)
        if send_at
        else ctx.t("now")
    )
    text = ctx.t("Send the announcement to {who} ({n} people), {when}?", who=who,
                 n=len(reach.person_ids), when=when)  # fmt: skip
    return [ctx.say(text, _confirm_buttons(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Records the broadcast; the sender's side expands it."""
    assert ctx.person is not None
    if pick(ctx, _confirm_buttons(ctx)) != "bc:send":
        return Invalid(ctx.say(ctx.t("Please press Confirm to send, or Cancel.")))
    send_at = datetime.fromisoformat(draft["send_at"]) if draft.get("send_at") else ctx.tx.now()
    targets = targets_of(draft)
    actor = f"person:{ctx.person.id}"
    broadcast_id = await ctx.tx.create_broadcast(
        text=draft["text"], targets=targets, send_at=send_at, actor=actor,
        created_by=ctx.person.id,
    )  # fmt: skip
    await ctx.tx.audit(actor, "broadcast_created", broadcast_id=broadcast_id,
                       targets=[t.dump() for t in targets], channel=ctx.inc.channel)  # fmt: skip
    done = ctx.t("📢 Announcement #{id} is on its way. I will send you a delivery report "
                 "when it has gone out.", id=broadcast_id)  # fmt: skip
    return Done([ctx.say(done), await main_menu(ctx)])


FLOW = Flow(
    name="broadcast",
    first=S.TEXT,
    steps={
        S.TEXT: Step(ask_text, take_text),
        **target_steps(S.WHEN),
        S.WHEN: Step(ask_when, take_when),
        S.AT: Step(ask_at, take_at),
        S.CONFIRM: Step(ask_confirm, take_confirm),
    },
)
