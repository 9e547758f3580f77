"""The entry point of every inbound message: who is this, and which flow gets it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.messages import Outgoing
from handlers import (
    actions,
    admin_invite,
    admin_people,
    broadcast,
    digest,
    invite_switch,
    meetings,
    meetings_admin,
    menu,
    obstacle,
    progress,
    registration,
    reminders,
    rsvp,
    search,
    tickets,
    triage,
    words,
)
from handlers.context import Ctx, is_cancel, pick
from handlers.flow import Flow, advance, enter, start
from handlers.report_steps import my_areas
from storage.queries_messaging import Conversation

FLOWS: dict[str, Flow] = {
    f.name: f
    for f in (
        progress.FLOW,
        obstacle.FLOW,
        triage.FLOW,
        tickets.NOTE_FLOW,
        tickets.FOLLOWUP,
        search.FLOW,
        broadcast.FLOW,
        meetings.FLOW,
        meetings_admin.EDIT_FLOW,
        rsvp.REASON_FLOW,
        invite_switch.FLOW,
        admin_people.FLOW,
        admin_invite.FLOW,
    )
}

# Typed commands (Telegram's command menu sends these) map onto menu presses.
COMMANDS = {
    "/start": "m:menu",
    "/menu": "m:menu",
    "/report": "m:progress",
    "/problem": "m:obstacle",
    "/myreports": "m:mine",
    "/help": "m:help",
    "/language": "m:lang",
    "/meetings": "m:meetings",
    "เมนู": "m:menu",
    "menu": "m:menu",
}


async def _report(ctx: Ctx, flow: Flow) -> list[Outgoing]:
    if ctx.person is None or ctx.person.role != "coordinator":
        return [await menu.main_menu(ctx, ctx.t("Reports are sent by coordinators."))]
    if not await my_areas(ctx):
        return [
            await menu.main_menu(
                ctx, ctx.t("You have no area assigned yet. Please ask the programme office.")
            )
        ]
    return await start(ctx, flow)


async def _menu(ctx: Ctx) -> list[Outgoing]:
    return [await menu.main_menu(ctx)]


MENU_ACTIONS: dict[str, Callable[[Ctx], Awaitable[list[Outgoing]]]] = {
    "m:menu": _menu,
    "m:progress": lambda ctx: _report(ctx, progress.FLOW),
    "m:obstacle": lambda ctx: _report(ctx, obstacle.FLOW),
    "m:mine": menu.my_reports,
    "m:help": menu.show_help,
    "m:lang": menu.ask_language,
    "m:open": lambda ctx: menu.scoped_reports(ctx, open_only=True),
    "m:latest": lambda ctx: menu.scoped_reports(ctx, open_only=False),
    "m:broadcast": lambda ctx: start(ctx, broadcast.FLOW),
    "m:people": lambda ctx: start(ctx, admin_people.FLOW),
    "m:invite": lambda ctx: start(ctx, admin_invite.FLOW),
    "m:meetings": meetings_admin.meetings_menu,
    "m:newmeeting": lambda ctx: start(ctx, meetings.FLOW),
    "m:search": lambda ctx: search.begin(ctx, ""),
    "m:leave": reminders.leave_menu,
    "m:digest": digest.todays_digest,
}
ALLOWED = {
    "coordinator": {
        "m:menu",
        "m:progress",
        "m:obstacle",
        "m:mine",
        "m:help",
        "m:lang",
        "m:meetings",
        "m:leave",
    },
    "supervisor": {
        "m:menu",
        "m:help",
        "m:lang",
        "m:open",
        "m:latest",
        "m:meetings",
        "m:search",
        "m:digest",
    },
    "admin": {
        "m:menu",
        "m:help",
        "m:lang",
        "m:open",
        "m:latest",
        "m:search",
        "m:broadcast",
        "m:meetings",
        "m:newmeeting",
        "m:digest",
        "m:people",
        "m:invite",
    },
}


async def _keep_draft(
    ctx: Ctx, before: Conversation | None, replies: list[Outgoing]
) -> list[Outgoing]:
    """After an action pressed mid-report: if the draft is still there, say how to go on."""
    assert ctx.person is not None
    if before is None:
        return replies
    now = await ctx.tx.conversation(ctx.person.id)
    flow = FLOWS.get(now.flow) if now is not None else None
    if now is None or flow is None or now.updated_at != before.updated_at:
        return replies  # the action started or ended a flow itself
    note = ctx.say(ctx.t("You have a report in progress. Please finish it, "
                         "or press Cancel to drop it."))  # fmt: skip
    return [*replies, note, *await enter(ctx, flow, now.state, dict(now.data))]


def _command(ctx: Ctx) -> str | None:
    """A menu action from a press, a slash command or a typed menu label."""
    inc = ctx.inc
    if inc.data is not None:
        return inc.data if inc.data in MENU_ACTIONS or inc.data.startswith("lang:") else None
    word = (inc.text or "").strip().split(maxsplit=1)
    if word and word[0].split("@")[0].casefold() in COMMANDS:
        return COMMANDS[word[0].split("@")[0].casefold()]
    return pick(ctx, menu.menu_buttons(ctx)) or words.menu_word(inc.text)


async def handle(ctx: Ctx) -> list[Outgoing]:
    """Route one inbound message to registration, a flow step, a menu action or triage."""
    inc = ctx.inc
    if inc.kind == "unfollow":  # LINE would accept and silently drop anything still queued
        await ctx.tx.block_recipient(inc.channel, inc.user_id)
        return []
    if inc.kind == "group":
        return [ctx.say(ctx.t("🙏 I only work in one-to-one chats. Please message me directly."))]
    if ctx.person is None:
        return await registration.handle(ctx)
    if inc.kind == "follow":
        return [await menu.main_menu(ctx, ctx.t("👋 Welcome back, {name}!", name=ctx.person.name))]

    conv = await ctx.tx.conversation(ctx.person.id)
    if is_cancel(ctx):
        if conv is None:
            return [await menu.main_menu(ctx, ctx.t("There is nothing to cancel."))]
        await ctx.tx.clear_conversation(ctx.person.id)
        return [await menu.main_menu(ctx, ctx.t("✖️ Cancelled. Nothing was saved."))]

    if inc.data is None:  # a new invite code: confirm, then take its role and scope
        answered = await invite_switch.offer(ctx, conv, FLOWS)
        if answered is not None:
            return answered
    acted = await actions.dispatch(ctx)
    if acted is not None:
        return await _keep_draft(ctx, conv, acted)

    ticket = tickets.typed_ticket(inc.text) if conv is None and inc.data is None else None
    if ticket is not None:  # "#12" opens problem 12 (if the person may see it)
        return await tickets.open_ticket(ctx, ticket)
    query = search.typed_search(inc.text) if conv is None and inc.data is None else None
    if query is not None:  # "/search งบประมาณ"
        return await search.begin(ctx, query)

    command = _command(ctx)
    if conv is not None:
        flow = FLOWS.get(conv.flow)
        if flow is None:
            await ctx.tx.clear_conversation(ctx.person.id)
        elif command is not None:
            # A menu press in the middle of a report: keep the draft, say how to leave it.
            note = ctx.say(ctx.t("You have a report in progress. Please finish it, "
                                 "or press Cancel to drop it."))  # fmt: skip
            return [note, *await enter(ctx, flow, conv.state, dict(conv.data))]
        else:
            return await advance(ctx, flow, conv.state, dict(conv.data))

    if command is not None:
        if command.startswith("lang:"):
            return await menu.set_language(ctx, command.split(":", 1)[1])
        if command not in ALLOWED.get(ctx.person.role, set()):
            return [await menu.main_menu(ctx, ctx.t("That option is not available to you."))]
        return await MENU_ACTIONS[command](ctx)
    if inc.data is not None:  # a button from an earlier message whose question is over
        return [await menu.main_menu(ctx, ctx.t("That button is no longer active. "
                                                "Please choose below 👇"))]  # fmt: skip
    talk = words.small_talk(inc.text) if inc.kind == "text" else None
    if talk is not None or inc.kind == "sticker":
        return [await menu.small_talk(ctx, talk or words.Chat.ACK)]
    if ctx.person.role == "coordinator" and inc.kind in ("text", "photo", "location"):
        return await triage.begin(ctx)
    if inc.kind not in ("text",):
        hint = ctx.t("I can read text, photos and locations, but not this kind of message.")
        return [await menu.main_menu(ctx, hint)]
    return [await menu.main_menu(ctx, ctx.t("I did not understand that. Please choose below 👇"))]
