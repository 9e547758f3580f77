"""Who may see and act on a problem, and its detail view."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dates import format_date, format_datetime
from bot.i18n import N_, Translator, join_names, number
from bot.messages import Button, Outgoing
from handlers.context import Ctx
from handlers.labels import category_name, severity_name, status_name
from storage.queries_people import Person
from storage.queries_tickets import ACTIVE, CLOSED, HistoryEntry, State, Ticket
from storage.store import Tx

# Button action → (the state it moves to, the states it may move from, its label).
MOVES: dict[str, tuple[State, tuple[State, ...], str]] = {
    "ack": (State.ACKNOWLEDGED, (State.OPEN,), N_("✅ Acknowledge")),
    "work": (State.IN_PROGRESS, (State.OPEN, State.ACKNOWLEDGED), N_("🛠️ Working on it")),
    "done": (State.RESOLVED, ACTIVE, N_("✔️ Resolved")),
    "ref": (State.REFERRED, ACTIVE, N_("↪️ Not ours")),
    "dup": (State.DUPLICATE, ACTIVE, N_("🔗 Same as #{id}")),
    "reopen": (State.OPEN, CLOSED, N_("🔄 Reopen")),
}
MAP_URL = "https://www.google.com/maps?q={lat:.6f},{lon:.6f}"


async def can_see(tx: Tx, person: Person, ticket: Ticket) -> bool:
    """The reporter, and anyone whose scope covers the report's area."""
    if ticket.person_id == person.id:
        return True
    scope = await tx.scope_of(person.id)
    if any(kind == "all" for kind, _ in scope):
        return True
    return ticket.area_id is not None and ticket.area_id in await tx.area_ids_of(person.id)


async def can_act(tx: Tx, person: Person, ticket: Ticket) -> bool:
    """Supervisors and admins in scope move problems on."""
    return (
        person.role in ("supervisor", "admin")
        and ticket.kind == "obstacle"
        and await can_see(tx, person, ticket)
    )


def sees_location(person: Person, ticket: Ticket) -> bool:
    """The precise place is for admins and the reporter only."""
    return person.role == "admin" or person.id == ticket.person_id


def state_buttons(t: Translator, ticket: Ticket, linked: list[int]) -> list[Button]:
    """The state changes a supervisor can make from here."""
    buttons = []
    for code, (_, sources, label) in MOVES.items():
        if ticket.status not in sources:
            continue
        if code == "dup":
            buttons += [Button(t(label, id=n), f"ticket:{ticket.id}:dup:{n}") for n in linked[:2]]
        else:
            buttons.append(Button(t(label), f"ticket:{ticket.id}:{code}"))
    return buttons


def place(ticket: Ticket) -> str:
    """'Area (district, province)'."""
    if ticket.area_name is None:
        return "-"
    return f"{ticket.area_name} ({ticket.district}, {ticket.province})"


def similar_line(t: Translator, linked: list[tuple[int, str | None]]) -> str | None:
    """'Possibly the same as #4 (Rangae), #9 (Rueso)'."""
    if not linked:
        return None
    which = join_names(t, [f"#{n} ({district or '-'})" for n, district in linked])
    return t("🔗 Possibly the same as {which}", which=which)


def _history_line(t: Translator, tz: ZoneInfo, h: HistoryEntry) -> str:
    when = format_datetime(h.at, tz, t.lang)
    who = h.person or "-"
    if h.kind == "followup":
        what = t("follow-up") + (f": {h.note}" if h.note else "") + (" 📷" if h.photo else "")
    else:
        what = f"{status_name(t, h.from_status or '')} → {status_name(t, h.to_status or '')}"
        what += f" — {h.note}" if h.note else ""
    return f"• {when} · {who}: {what}"


def detail_text(
    t: Translator, tz: ZoneInfo, ticket: Ticket, history: list[HistoryEntry],
    linked: list[tuple[int, str | None]], *, location: bool,
) -> str:  # fmt: skip
    """Everything about one report, for a person allowed to see it."""
    title = (
        t("🎫 Problem #{id}", id=ticket.id)
        if ticket.kind == "obstacle"
        else t("📝 Report #{id}", id=ticket.id)
    )
    lines = [title, t("State: {state}", state=status_name(t, ticket.status))]
    if ticket.duplicate_of:
        lines.append(t("Same problem as #{id}", id=ticket.duplicate_of))
    lines += [
        t("Area: {area}", area=place(ticket)),
        t("Reported by: {name}", name=ticket.reporter),
        t("Reported on: {date}", date=format_datetime(ticket.created_at, tz, t.lang)),
    ]
    if ticket.activity_date is not None:
        lines.append(t("Activity date: {date}", date=_date(ticket.activity_date, tz, t.lang)))
    if ticket.category:
        lines.append(t("Category: {category}", category=category_name(t, ticket.category)))
    if ticket.severity:
        lines.append(t("Urgency: {urgency}", urgency=severity_name(t, ticket.severity)))
    if ticket.participants is not None:
        lines.append(t("Participants: {count}", count=number(ticket.participants)))
    if ticket.latitude is not None and ticket.longitude is not None:
        if location:
            url = MAP_URL.format(lat=ticket.latitude, lon=ticket.longitude)
            lines.append(t("📍 Map: {url}", url=url))
        else:
            lines.append(t("📍 A location is attached (shown to administrators)."))
    if ticket.photos:
        lines.append(t("📷 Photos: {count}", count=len(ticket.photos)))
    similar = similar_line(t, linked)
    if similar:
        lines.append(similar)
    lines += ["", ticket.text]
    if history:
        lines += ["", t("History:")] + [_history_line(t, tz, h) for h in history]
    return "\n".join(lines)


def _date(value: object, tz: ZoneInfo, lang: str) -> str:
    from datetime import date, datetime, time

    if isinstance(value, datetime):
        return format_date(value, tz, lang)
    if isinstance(value, date):
        return format_date(datetime.combine(value, time(12), tz), tz, lang)
    return str(value)


async def detail(ctx: Ctx, ticket: Ticket) -> list[Outgoing]:
    """The detail view with the buttons this person may press (scope already checked)."""
    assert ctx.person is not None
    history = await ctx.tx.history(ticket.id)
    linked = await ctx.tx.linked(ticket.id)
    text = detail_text(ctx.t, ctx.tz, ticket, history, linked,
                       location=sees_location(ctx.person, ticket))  # fmt: skip
    buttons: list[Button] = []
    if await can_act(ctx.tx, ctx.person, ticket):
        active_links = [n for n, _ in linked if n != ticket.id]
        buttons = state_buttons(ctx.t, ticket, active_links)
    elif (
        ctx.person.id == ticket.person_id and ticket.kind == "obstacle" and ticket.status in ACTIVE
    ):
        buttons = [Button(ctx.t("➕ Add a follow-up"), f"ticket:{ticket.id}:add")]
    buttons.append(Button(ctx.t("🏠 Menu"), "m:menu"))
    note = await photo_note(ctx, ticket, history)
    if note:
        text += "\n\n" + note
    # LINE takes at most 5 message objects a call; the channel splits longer replies.
    photos = [Outgoing(text="", image_url=url) for url in await photo_urls(ctx, ticket, history)]
    return [*photos, ctx.say(text, buttons)]


async def photo_urls(ctx: Ctx, ticket: Ticket, history: list[HistoryEntry]) -> list[str]:
    """Addresses of the report's kept photos (follow-up photos too), in the order sent."""
    refs = list(ticket.photos) + [h.photo for h in history if h.photo]
    fetched = await ctx.tx.photos_by_ref(refs)
    return [f.url for ref in refs if (f := fetched.get(ref)) and f.status == "stored" and f.url]


async def photo_note(ctx: Ctx, ticket: Ticket, history: list[HistoryEntry]) -> str | None:
    """A line on photos still being fetched or not kept."""
    refs = list(ticket.photos) + [h.photo for h in history if h.photo]
    fetched = await ctx.tx.photos_by_ref(refs)
    waiting = sum(1 for r in refs if (f := fetched.get(r)) is None or f.status == "pending")
    lost = sum(1 for r in refs if (f := fetched.get(r)) is not None
               and f.status not in ("pending", "stored"))  # fmt: skip
    parts = []
    if waiting:
        parts.append(ctx.t("📷 {count} photo(s) are still being fetched.", count=waiting))
    if lost:
        parts.append(ctx.t("📷 {count} photo(s) could not be kept (expired, too large or not "
                           "an image).", count=lost))  # fmt: skip
    return "\n".join(parts) or None
