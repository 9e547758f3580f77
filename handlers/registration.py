"""Registration: an unknown person sends an invite code and becomes a coordinator, supervisor or admin."""

from __future__ import annotations

from datetime import timedelta

from bot.dates import format_datetime
from bot.i18n import N_, join_names, translator
from bot.invites import LOCK_MINUTES, MAX_FAILURES, hash_code, normalize_code
from bot.messages import Outgoing
from handlers.context import Ctx
from handlers.menu import main_menu, role_name


async def handle(ctx: Ctx) -> list[Outgoing]:
    """Explain, check a code, or say when a locked identity may try again."""
    t, now = ctx.t, ctx.tx.now()
    if ctx.inc.kind in ("follow",):
        return [ctx.say(intro(ctx))]
    ident = ctx.identity
    if ident.locked_until and ident.locked_until > now:
        until = format_datetime(ident.locked_until, ctx.tz, ctx.lang)
        return [ctx.say(t("🔒 Too many wrong codes. Please try again after {until}.", until=until))]
    code = normalize_code(ctx.inc.text or "") if ctx.inc.kind == "text" else None
    if code is None:
        return [ctx.say(intro(ctx))]
    invite = await ctx.tx.invite_by_hash(hash_code(code))
    if invite is None or invite.used_at is not None or invite.expires_at <= now:
        return [await _wrong_code(ctx, expired=invite is not None)]
    lang = ctx.lang
    if invite.person_id is not None:  # one more chat app for someone already registered
        linked = await ctx.tx.person(invite.person_id)
        if linked is None or not linked.active:
            return [await _wrong_code(ctx, expired=True)]
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
    await ctx.tx.audit(
        f"{ctx.inc.channel}:{ident.id}",
        "register",
        person_id=person_id,
        invite_id=invite.id,
        role=invite.role,
    )
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


async def _wrong_code(ctx: Ctx, *, expired: bool) -> Outgoing:
    failures = ctx.identity.failed_codes + 1
    values: dict[str, object] = {"failed_codes": failures}
    if failures >= MAX_FAILURES:
        values = {"failed_codes": 0, "locked_until": ctx.tx.now() + timedelta(minutes=LOCK_MINUTES)}
    await ctx.tx.update_identity(ctx.identity.id, **values)
    await ctx.tx.audit(f"{ctx.inc.channel}:{ctx.identity.id}", "invite_failed", failures=failures)
    if failures >= MAX_FAILURES:
        return ctx.say(
            ctx.t(
                "🔒 Too many wrong codes. Please try again in {minutes} minutes, "
                "or ask the programme office for a new code.",
                minutes=LOCK_MINUTES,
            )
        )
    left = MAX_FAILURES - failures
    first = (
        ctx.t("This code has expired or was already used.")
        if expired
        else ctx.t("I don't recognise that code.")
    )
    return ctx.say(
        first
        + " "
        + ctx.t.plural(
            "Please check it and try again ({n} try left).",
            "Please check it and try again ({n} tries left).",
            left,
        )
    )


def _fallback_name(ctx: Ctx) -> str:
    return (ctx.inc.display_name or "").strip()[:100] or f"{ctx.inc.channel}-{ctx.identity.id}"
