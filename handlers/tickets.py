"""Acting on problems: `ticket:<id>:<action>` buttons, `#12`, the note and follow-up steps.

See tickets.mmd for the diagram. Button data can be forged, so every press re-reads
the ticket and checks the presser's scope before anything happens.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.messages import Button, Outgoing
from handlers.actions import action, refuse
from handlers.context import Ctx, cancel_button, pick, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step, start
from handlers.labels import status_name
from handlers.menu import main_menu
from handlers.ticket_notices import tell_overseers_followup, tell_reporter
from handlers.ticket_view import MOVES, can_act, can_see, detail
from storage.queries_tickets import ACTIVE, Ticket

MAX_NOTE = 1000
TICKET_REF = re.compile(r"^\s*#\s*([0-9๐-๙]{1,9})\s*$")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


class S(StrEnum):
    NOTE = "note"
    FOLLOWUP = "followup"


def typed_ticket(text: str | None) -> int | None:
    """The number in a typed `#12` (Thai digits too)."""
    found = TICKET_REF.match(text or "")
    return int(found.group(1).translate(THAI_DIGITS)) if found else None


async def _visible(ctx: Ctx, raw_id: str) -> Ticket | None:
    assert ctx.person is not None
    if not raw_id.isdigit():
        return None
    ticket = await ctx.tx.ticket(int(raw_id))
    if ticket is None or not await can_see(ctx.tx, ctx.person, ticket):
        return None
    return ticket


async def open_ticket(ctx: Ctx, ticket_id: int) -> list[Outgoing]:
    """The detail view of `#12`, or a polite 'not found' (the same when out of scope)."""
    ticket = await _visible(ctx, str(ticket_id))
    if ticket is None:
        text = ctx.t("I could not find report #{id} among the reports you can see.", id=ticket_id)
        return [await main_menu(ctx, text)]
    return await detail(ctx, ticket)


@action("ticket", roles=("coordinator", "supervisor", "admin"))
async def ticket_action(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """view | ack | work | done | ref | dup:<n> | reopen | add — each re-checked here."""
    assert ctx.person is not None
    if len(args) < 2:
        return await refuse(ctx, "malformed")
    ticket = await _visible(ctx, args[0])
    if ticket is None:
        return await refuse(ctx, "scope")
    verb = args[1]
    if verb == "view":
        return await detail(ctx, ticket)
    if verb == "add":
        if ticket.person_id != ctx.person.id or ticket.status not in ACTIVE:
            return await refuse(ctx, "not-own-open")
        return await start(ctx, FOLLOWUP, {"id": ticket.id})
    move = MOVES.get(verb)
    if move is None or not await can_act(ctx.tx, ctx.person, ticket):
        return await refuse(ctx, "scope" if move else "malformed")
    target, sources, _ = move
    dup: int | None = None
    if verb == "dup":
        other = await _visible(ctx, args[2] if len(args) > 2 else "")
        if other is None or other.id == ticket.id:
            return await refuse(ctx, "scope")
        dup = other.id
    if ticket.status not in sources:
        return [*await detail(ctx, ticket), _moved_on(ctx, ticket)]
    draft = {"id": ticket.id, "from": ticket.status, "to": target.value, "dup": dup}
    return await start(ctx, NOTE_FLOW, draft)


def _moved_on(ctx: Ctx, ticket: Ticket) -> Outgoing:
    return ctx.say(
        ctx.t("Problem #{id} is already {state}; nothing was changed.", id=ticket.id,
              state=status_name(ctx.t, ticket.status))
    )  # fmt: skip


def _skip(ctx: Ctx) -> Button:
    return Button(ctx.t("➡️ No note"), "skip")


async def ask_note(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for an optional note for the reporter."""
    text = ctx.t(
        "Problem #{id} → {state}.\nWould you like to add a note for the reporter? "
        "Type it now, or press No note.",
        id=draft["id"], state=status_name(ctx.t, draft["to"]),
    )  # fmt: skip
    return [ctx.say(text, [_skip(ctx), cancel_button(ctx)])]


async def take_note(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Applies the change (if the problem is still where it was) and tells the reporter."""
    assert ctx.person is not None
    note: str | None = None
    if pick(ctx, [_skip(ctx)]) is None:
        if ctx.inc.kind != "text" or ctx.inc.data is not None or not (ctx.inc.text or "").strip():
            return Invalid(ctx.say(ctx.t("Please type a note, or press No note.")))
        note = strip_controls(ctx.inc.text or "").strip()[:MAX_NOTE]
    ticket = await ctx.tx.ticket(int(draft["id"]))
    if ticket is None or not await can_act(ctx.tx, ctx.person, ticket):
        return Done(await refuse(ctx, "scope"))
    history_id = await ctx.tx.change_state(ticket.id, draft["from"], draft["to"], ctx.person.id,
                                           note, draft.get("dup"))  # fmt: skip
    if history_id is None:  # someone else moved it while this person was typing
        return Done([*await detail(ctx, ticket), _moved_on(ctx, ticket)])
    await ctx.tx.audit(f"person:{ctx.person.id}", "ticket_state", report=ticket.id,
                       from_status=draft["from"], to_status=draft["to"],
                       duplicate_of=draft.get("dup"), channel=ctx.inc.channel)  # fmt: skip
    await tell_reporter(ctx.tx, ticket, history_id, draft["to"], note, ctx.person.name)
    done = ctx.t("✅ Problem #{id} is now {state}. The reporter has been told.", id=ticket.id,
                 state=status_name(ctx.t, draft["to"]))  # fmt: skip
    return Done([await main_menu(ctx, done)])


async def ask_followup(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the follow-up text or photo."""
    text = ctx.t("➕ Please send the follow-up for problem #{id}: type it, or send a photo.",
                 id=draft["id"])  # fmt: skip
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_followup(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Adds it to the problem and tells the supervisors."""
    assert ctx.person is not None
    inc = ctx.inc
    photo = f"{inc.channel}:{inc.photo}" if inc.kind == "photo" and inc.photo else None
    note = strip_controls(inc.text or "").strip()[:MAX_NOTE] or None
    if (photo is None and (inc.kind != "text" or inc.data is not None)) or not (photo or note):
        return Invalid(ctx.say(ctx.t("Please type the follow-up, or send a photo.")))
    ticket = await ctx.tx.ticket(int(draft["id"]))
    if ticket is None or ticket.person_id != ctx.person.id or ticket.status not in ACTIVE:
        return Done([await main_menu(ctx, ctx.t("Problem #{id} is closed; nothing was added.",
                                                id=draft["id"]))])  # fmt: skip
    if photo is not None:
        await ctx.tx.queue_photo(photo, ctx.person.id)
    history_id = await ctx.tx.add_followup(ticket.id, ctx.person.id, note, photo)
    await ctx.tx.audit(f"person:{ctx.person.id}", "ticket_followup", report=ticket.id,
                       photo=photo is not None, channel=inc.channel)  # fmt: skip
    await tell_overseers_followup(ctx.tx, ticket, history_id, note, photo is not None)
    return Done(
        [await main_menu(ctx, ctx.t("✅ Added to problem #{id}. Thank you.", id=ticket.id))]
    )


NOTE_FLOW = Flow("ticket_note", S.NOTE, {S.NOTE: Step(ask_note, take_note)})
FOLLOWUP = Flow("ticket_followup", S.FOLLOWUP, {S.FOLLOWUP: Step(ask_followup, take_followup)})
