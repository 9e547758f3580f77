"""A registered person sends a new invite code: confirm, then take that code's role and scope."""

from __future__ import annotations

from bot.access import AccessError, change_access
from bot.i18n import join_names
from bot.invites import normalize_code
from bot.messages import Button, Outgoing
from handlers.context import Ctx, cancel_button, pick
from handlers.flow import Done, Draft, Flow, Invalid, Step, enter, start
from handlers.invite_codes import (
    CodeCheck,
    chat_locked,
    check,
    code_sized,
    locked_text,
    looks_typed_as_code,
    refuse_code,
)
from handlers.menu import main_menu, role_name
from handlers.registration import SHOWN_AREAS, scope_words
from storage.audit import AuditAction, audit, person_actor
from storage.queries_access import Place
from storage.queries_messaging import Conversation

CONFIRM = "confirm"
YES = "switch:yes"


async def offer(
    ctx: Ctx, conv: Conversation | None, flows: dict[str, Flow]
) -> list[Outgoing] | None:
    """If the text is an invite code, answer it; None lets the message go on as usual."""
    assert ctx.person is not None
    typed = ctx.inc.text or ""
    code = normalize_code(typed) if ctx.inc.kind == "text" else None
    if code is None or not code_sized(code):
        return None
    if chat_locked(ctx):
        if not looks_typed_as_code(typed):
            return None
        return [ctx.say(locked_text(ctx, ctx.identity.locked_until, registered=True))]
    result, invite = await check(ctx, code)
    if result is CodeCheck.UNKNOWN and not looks_typed_as_code(typed):
        return None  # a ten-letter word, not a mistyped code
    if result is not CodeCheck.VALID or invite is None:
        return [await refuse_code(ctx, result, registered=True)]
    if invite.person_id is not None:
        same = invite.person_id == ctx.person.id
        text = (
            ctx.t("This chat is already linked to your account; the code stays unused "
                  "for your other chat app.")
            if same
            else ctx.t("This code links a chat app to someone else's account, and this chat "
                       "is already registered to you. Please ask the programme office.")
        )  # fmt: skip
        return [await main_menu(ctx, text)]
    if conv is not None and conv.flow in flows and conv.flow != FLOW.name:
        note = ctx.say(ctx.t("🎟️ That looks like a new invite code. Please finish or cancel "
                             "your report first, then send the code again."))  # fmt: skip
        return [note, *await enter(ctx, flows[conv.flow], conv.state, dict(conv.data))]
    return await start(ctx, FLOW, {"invite": invite.id})


def _buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("✅ Yes, use this code"), YES), cancel_button(ctx)]


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Says what the code would change and asks to confirm."""
    invite = await ctx.tx.invite(int(draft["invite"]))
    assert invite is not None and ctx.person is not None
    places = await ctx.tx.places(invite.scope)
    where = _where(ctx, places)
    text = ctx.t(
        "🎟️ This invite code makes you {role} for {where}. It replaces your current role "
        "({current}) and areas. Use it?",
        role=role_name(ctx, invite.role), where=where,
        current=role_name(ctx, ctx.person.role),
    )  # fmt: skip
    return [ctx.say(text, _buttons(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Applies the code's role and scope once confirmed (the code is then used up)."""
    assert ctx.person is not None
    if pick(ctx, _buttons(ctx)) != YES:
        return Invalid(ctx.say(ctx.t("Please press Yes to use the code, or Cancel.")))
    invite = await ctx.tx.invite(int(draft["invite"]))
    now = ctx.tx.now()
    if invite is None or invite.status(now) != "pending":
        return Done([await main_menu(ctx, ctx.t("This code can no longer be used. "
                                                "Nothing was changed."))])  # fmt: skip
    actor = person_actor(ctx.person.id)
    try:
        change = await change_access(
            ctx.tx, actor, ctx.person.id, role=invite.role,
            scope=[(k, r) for k, r in invite.scope], via="invite",
        )  # fmt: skip
    except AccessError:
        return Done([await main_menu(ctx, ctx.t("This code cannot be used for your account. "
                                                "Nothing was changed."))])  # fmt: skip
    if not await ctx.tx.use_invite(invite.id, ctx.person.id):
        raise RuntimeError("invite used concurrently")  # rolls the change back
    await audit(ctx.tx, actor, AuditAction.INVITE_SWITCH,
                {"invite_id": invite.id, "person_id": ctx.person.id,
                 "role_after": change["role_after"], "scope_after": change["scope_after"]})  # fmt: skip
    ctx.person = await ctx.tx.person(ctx.person.id)
    assert ctx.person is not None
    where = await scope_words(ctx, ctx.person.id)  # as the welcome says it
    done = ctx.t("✅ Done. You are now {role} for {where}.",
                 role=role_name(ctx, ctx.person.role), where=where)  # fmt: skip
    return Done([await main_menu(ctx, done)])


FLOW = Flow(name="invite_switch", first=CONFIRM, steps={CONFIRM: Step(ask_confirm, take_confirm)})


def _where(ctx: Ctx, places: list[Place]) -> str:
    """A scope not yet anyone's, as the welcome says one: all areas, provinces, a few areas.

    Thai lists join with spaces and และ (bot.i18n.join_names), never an English comma list.
    """
    t = ctx.t
    if any(p.kind == "all" for p in places):
        return t("all areas")
    parts = [t("{name} province", name=p.name if ctx.lang == "th" else p.name_en)
             for p in places if p.kind == "province"]  # fmt: skip
    parts += [t("{name} district", name=p.name if ctx.lang == "th" else p.name_en)
              for p in places if p.kind == "district"]  # fmt: skip
    areas = [p.name for p in places if p.kind == "area"]
    if len(areas) > SHOWN_AREAS:
        more = len(areas) - SHOWN_AREAS
        areas = [*areas[:SHOWN_AREAS], t.plural("{n} more area", "{n} more areas", more)]
    return join_names(t, parts + areas) or "-"
