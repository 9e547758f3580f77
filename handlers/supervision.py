"""What supervisors are told when something happens in their areas."""

from __future__ import annotations

from bot.i18n import translator
from bot.messages import dump_messages
from handlers.context import Ctx
from handlers.flow import Draft
from handlers.labels import category_name, severity_name
from handlers.report_steps import area_label, excerpt
from storage.queries_people import Person


async def notify_supervisors(ctx: Ctx, ticket: int, draft: Draft) -> list[Person]:
    """Queue a notice of a new problem to each overseer of the area; return who was told."""
    assert ctx.person is not None
    if not draft.get("area_id"):
        return []
    told: list[Person] = []
    place = await area_label(ctx, draft)
    for overseer in await ctx.tx.overseers_of(int(draft["area_id"])):
        if overseer.id == ctx.person.id:
            continue
        told.append(overseer)
        t = translator(overseer.language)
        text = "\n".join(
            [
                t("⚠️ New problem #{id} in {area}", id=ticket, area=place),
                t("Category: {category}", category=category_name(t, draft["category"])),
                t("Urgency: {urgency}", urgency=severity_name(t, draft["severity"])),
                t("Reported by: {name}", name=ctx.person.name),
                excerpt(draft["text"], 800),
            ]
        )
        payload = dump_messages([ctx.say(text)])
        for ident in await ctx.tx.identities_of(overseer.id):
            key = f"notice:obstacle:{ticket}:{ident.channel}:{ident.external_id}"
            await ctx.tx.enqueue(ident.channel, ident.external_id, payload, key)
    return told
