"""Registration: an unknown person sends an invite code and becomes a coordinator, supervisor or admin."""

from __future__ import annotations

from bot.i18n import N_, join_names, translator
from bot.invites import normalize_code
from bot.messages import Outgoing
from handlers.context import Ctx
from handlers.invite_codes import CodeCheck, chat_locked, check, locked_text, refuse_code
from handlers.menu import main_menu, role_name
from storage.audit import AuditAction, audit, identity_actor


async def handle(ctx: Ctx) -> list[Outgoing]:
    """Explain, check a code, or say when a locked identity may try again."""
    if ctx.inc.kind in ("follow",):
        return [ctx.say(intro(ctx))]
    ident = ctx.identity
    code = normalize_code(ctx.inc.text or "") if ctx.inc.kind == "text" else None
    if chat_locked(ctx):
        return [ctx.say(locked_text(ctx, ident.locked_until, registered=False))]
    if code is None:
        return [ctx.say(intro(ctx))]
    result, invite = await check(ctx, code)
    if result is not CodeCheck.VALID or invite is None:
        return [await refuse_code(ctx, result, registered=False)]
    lang = ctx.lang
    if invite.person_id is not None:  # one more chat app for someone already registered
        linked = await ctx.tx.person(invite.person_id)
        if linked is None or not linked.active:
            return [await refuse_code(ctx, CodeCheck.SPENT, registered=False)]
        person_id, lang = linked.id, linked.language
    else:
        person_id = await ctx.tx.create_person(
            invite.name or _fallback_name(ctx), invite.role, invite.scope, language=lang
        )
    if not await ctx.tx.use_invite(invite.id, person_id):
        raise RuntimeError("invite used concurrently")  # rolls back the person just created
    await ctx.tx.update_identity(
        ident.id, person_id=person_id, failed_codes=0, locked_until=None, active=True
    )
    await audit(ctx.tx, identity_actor(ident.id), AuditAction.REGISTER,
                {"person_id": person_id, "invite_id": invite.id, "role": invite.role})  # fmt: skip
    ctx.person = await ctx.tx.person(person_id)
    assert ctx.person is not None
    ctx.t = translator(lang)
    if invite.person_id is not None:
        linked_text = ctx.t(
            "🔗 This chat is now linked to {name}'s account. A report you started in the "
            "other app continues here.",
            name=ctx.person.name,
        )
        return [ctx.say(linked_text), *await _waiting_draft(ctx, person_id)]
    where = await scope_words(ctx, person_id)
    welcome = ctx.t(
        "🎉 Welcome, {name}! You are registered as {role} for {where}.",
        name=ctx.person.name,
        role=role_name(ctx, ctx.person.role),
        where=where,
    )
    return [ctx.say(welcome), await main_menu(ctx)]


async def _waiting_draft(ctx: Ctx, person_id: int) -> list[Outgoing]:
    """The question a report started in the other app is waiting on, else the menu."""
    from handlers.flow import enter
    from handlers.router import FLOWS  # the router imports this module: import late

    conv = await ctx.tx.conversation(person_id)
    flow = FLOWS.get(conv.flow) if conv is not None else None
    if conv is None or flow is None:
        return [await main_menu(ctx)]
    return await enter(ctx, flow, conv.state, dict(conv.data))


SHOWN_AREAS = 3  # a longer list of areas is summed up as "and N more areas"


async def scope_words(ctx: Ctx, person_id: int) -> str:
    """What a person looks after, as people say it: all areas, a province, a few areas."""
    t = ctx.t
    scope = await ctx.tx.scope_of(person_id)
    if not scope or any(kind == "all" for kind, _ in scope):
        return t("all areas")
    parts: list[str] = []
    templates = {"province": N_("{name} province"), "district": N_("{name} district")}
    for kind, template in templates.items():
        ids = [ref for k, ref in scope if k == kind and ref is not None]
        if ids:
            names = await ctx.tx.place_names(kind, ids)
            parts += [t(template, name=th if ctx.lang == "th" else en)
                      for th, en in names.values()]  # fmt: skip
    area_ids = {ref for k, ref in scope if k == "area"}
    areas = [a.name for a in await ctx.tx.areas_of_person(person_id) if a.id in area_ids]
    if len(areas) > SHOWN_AREAS:
        more = len(areas) - SHOWN_AREAS
        areas = [*areas[:SHOWN_AREAS], t.plural("{n} more area", "{n} more areas", more)]
    return join_names(t, parts + areas)


def intro(ctx: Ctx) -> str:
    """One line on what the bot is and how to join."""
    return ctx.t(
        "👋 Hello! I am Prasan, the reporting assistant of the small peaceful areas programme.\n"
        "To start, please send the invite code you received from the programme office "
        "(for example K7MQ4-XPD9R)."
    )


def _fallback_name(ctx: Ctx) -> str:
    return (ctx.inc.display_name or "").strip()[:100] or f"{ctx.inc.channel}-{ctx.identity.id}"
