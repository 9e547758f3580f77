"""What people are told about problems: the new-problem notice, state changes, follow-ups.

All of it goes through `notify` (the reader's language, their app, once per key).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.i18n import Translator
from bot.messages import Button, Outgoing
from bot.notify import notify
from bot.similar import THRESHOLD, most_similar_overlaps
from handlers.labels import category_name, severity_name, status_name
from handlers.report_steps import excerpt
from handlers.ticket_view import place, similar_line, state_buttons
from storage.queries_people import NARROWNESS, Person
from storage.queries_tickets import Ticket
from storage.store import Tx

Office = tuple[str, str | None]


def office_of(ticket: Ticket, overseers: list[tuple[Person, str]]) -> Office:
    """('district' | 'province' | 'office', place name) of who follows this problem up: the
    narrowest scope through which one of its supervisors covers the problem's area."""
    kinds = [kind for person, kind in overseers if person.role == "supervisor"]
    best = min((NARROWNESS[k] for k in kinds), default=NARROWNESS["all"])
    if best <= NARROWNESS["district"]:
        return "district", ticket.district
    if best == NARROWNESS["province"]:
        return "province", ticket.province
    return "office", None


def office_name(t: Translator, office: Office) -> str:
    """The responsible office as people say it."""
    kind, name = office
    if kind == "district":
        return t("the {district} district team", district=name)
    if kind == "province":
        return t("the {province} province team", province=name)
    return t("the programme office")


LINK_WINDOW = timedelta(days=90)


async def link_similar(
    tx: Tx, report_id: int, terms: list[str], now: datetime
) -> list[tuple[int, float]]:
    """Link a new problem to open problems of the last 90 days that share most of its words."""
    mine = set(terms)
    others = await tx.open_problem_overlaps(mine, now - LINK_WINDOW, exclude=report_id,
                                            min_share=THRESHOLD)  # fmt: skip
    found = most_similar_overlaps(len(mine), others, THRESHOLD)
    await tx.add_links(report_id, found)
    return found


def view_button(t: Translator, ticket_id: int) -> Button:
    """Opens a problem's detail view."""
    return Button(t("🔎 Details #{id}", id=ticket_id), f"ticket:{ticket_id}:view")


async def announce_problem(tx: Tx, ticket: Ticket) -> Office:
    """Tell every supervisor and admin in scope of a new problem; returns the office."""
    if ticket.area_id is None:
        return "office", None
    overseers = await tx.overseers_with_reach(ticket.area_id)
    office = office_of(ticket, overseers)
    linked = await tx.linked(ticket.id)
    others = [n for n, _ in linked]
    for person, _ in overseers:
        if person.id == ticket.person_id:
            continue

        def compose(t: Translator) -> list[Outgoing]:
            head = (
                t("🔴 Urgent: new problem #{id} in {area}", id=ticket.id, area=place(ticket))
                if ticket.severity == "high"
                else t("⚠️ New problem #{id} in {area}", id=ticket.id, area=place(ticket))
            )
            lines = [
                head,
                t("Category: {category}", category=category_name(t, ticket.category or "other")),
                t("Urgency: {urgency}", urgency=severity_name(t, ticket.severity or "")),
                t("Reported by: {name}", name=ticket.reporter),
                t("Followed up by: {office}", office=office_name(t, office)),
                excerpt(ticket.text, 800),
            ]
            similar = similar_line(t, linked)
            if similar:
                lines.append(similar)
            buttons = [view_button(t, ticket.id), *state_buttons(t, ticket, others)]
            return [Outgoing("\n".join(lines), tuple(buttons))]

        await notify(tx, person.id, compose, f"notice:obstacle:{ticket.id}:{person.id}",
                     tag=f"ticket:{ticket.id}")  # fmt: skip
    return office


async def tell_reporter(
    tx: Tx, ticket: Ticket, history_id: int, to_status: str, note: str | None, by: str
) -> None:
    """The reporter hears of every state change, with the note, in their language."""

    def compose(t: Translator) -> list[Outgoing]:
        lines = [
            t("🎫 Update on your problem #{id} ({area}): {state}", id=ticket.id,
              area=ticket.area_name or "-", state=status_name(t, to_status)),
        ]  # fmt: skip
        if note:
            lines.append(t("Note from {name}: {note}", name=by, note=note))
        return [Outgoing("\n".join(lines), (view_button(t, ticket.id),))]

    key = f"ticket:{ticket.id}:change:{history_id}:{ticket.person_id}"
    await notify(tx, ticket.person_id, compose, key, tag=f"ticket:{ticket.id}")


async def tell_overseers_followup(tx: Tx, ticket: Ticket, history_id: int, note: str | None,
                                  photo: bool) -> None:  # fmt: skip
    """Supervisors and admins in scope hear of a coordinator's follow-up."""
    if ticket.area_id is None:
        return
    for person in await tx.overseers_of(ticket.area_id):
        if person.id == ticket.person_id:
            continue

        def compose(t: Translator) -> list[Outgoing]:
            lines = [t("➕ Follow-up on problem #{id} from {name}", id=ticket.id,
                       name=ticket.reporter)]  # fmt: skip
            if note:
                lines.append(excerpt(note, 800))
            if photo:
                lines.append(t("📷 A photo was added."))
            return [Outgoing("\n".join(lines), (view_button(t, ticket.id),))]

        key = f"ticket:{ticket.id}:followup:{history_id}:{person.id}"
        await notify(tx, person.id, compose, key, tag=f"ticket:{ticket.id}")
