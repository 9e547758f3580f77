"""Main menus by role, help, language choice, and the read-only lists."""

from __future__ import annotations

from bot.dates import format_date
from bot.i18n import LANGUAGE_NAMES, N_, translator
from bot.messages import Button, Outgoing
from bot.textcut import shorten
from handlers.context import Ctx
from handlers.labels import KIND_NAMES, STATUS_NAMES
from storage.queries_reports import ReportRow

COORDINATOR_ITEMS = (
    ("m:progress", N_("📝 Report progress")),
    ("m:obstacle", N_("⚠️ Report a problem")),
    ("m:mine", N_("📋 My reports")),
    ("m:meetings", N_("📅 Meetings")),
    ("m:help", N_("❓ Help")),
    ("m:lang", N_("🌐 Language")),
    ("m:leave", N_("🏖️ Leave")),  # last: typed numbers in console scripts keep their meaning
)
SUPERVISOR_ITEMS = (
    ("m:digest", N_("📰 Today's digest")),
    ("m:open", N_("⚠️ Open problems")),
    ("m:latest", N_("📋 Latest reports")),
    ("m:search", N_("🔎 Search")),
    ("m:help", N_("❓ Help")),
    ("m:lang", N_("🌐 Language")),
)
ADMIN_ITEMS = (
    ("m:digest", N_("📰 Today's digest")),
    ("m:broadcast", N_("📢 Broadcast")),
    ("m:meetings", N_("📅 Meetings")),
    ("m:open", N_("⚠️ Open problems")),
    ("m:latest", N_("📋 Latest reports")),
    ("m:search", N_("🔎 Search")),
    ("m:people", N_("👥 People")),
    ("m:invite", N_("🎟️ Invite code")),
    ("m:help", N_("❓ Help")),
    ("m:lang", N_("🌐 Language")),
)
ITEMS_BY_ROLE = {
    "coordinator": COORDINATOR_ITEMS,
    "supervisor": SUPERVISOR_ITEMS,
    "admin": ADMIN_ITEMS,
}


def role_name(ctx: Ctx, role: str) -> str:
    """A role as people say it."""
    names = {
        "coordinator": ctx.t("coordinator"),
        "supervisor": ctx.t("supervisor"),
        "admin": ctx.t("administrator"),
    }
    return names.get(role, role)


def menu_buttons(ctx: Ctx) -> list[Button]:
    """The person's main-menu buttons."""
    assert ctx.person is not None
    return [Button(ctx.t(label), data) for data, label in ITEMS_BY_ROLE[ctx.person.role]]


async def main_menu(ctx: Ctx, text: str | None = None) -> Outgoing:
    """The main menu with a short prompt."""
    return ctx.say(text or ctx.t("What would you like to do? Choose below 👇"), menu_buttons(ctx))


SMALL_TALK_REPLIES = {
    "greeting": N_("👋 Hello, {name}! What would you like to do? Choose below 👇"),
    "thanks": N_("🙏 You are welcome! If there is anything else, choose below 👇"),
    "ack": N_("👍 Noted. If there is anything else, choose below 👇"),
}


async def small_talk(ctx: Ctx, kind: str) -> Outgoing:
    """A friendly word back for a greeting, a thank-you or an 'ok', with the menu."""
    assert ctx.person is not None
    return await main_menu(ctx, ctx.t(SMALL_TALK_REPLIES[kind], name=ctx.person.name))


async def show_help(ctx: Ctx) -> list[Outgoing]:
    """What the bot does for this role."""
    assert ctx.person is not None
    if ctx.person.role == "coordinator":
        text = ctx.t(
            "ℹ️ How to use Prasan\n"
            "• 📝 Report progress after each activity: what happened and how many took part.\n"
            "• ⚠️ Report a problem: describe it, I suggest a category, you choose how urgent.\n"
            "• You can also just type your report; I will ask which kind it is.\n"
            "• Photos and locations can be added to a report.\n"
            '• Type "cancel" at any step to stop; nothing is saved until you press Send.'
        )
    elif ctx.person.role == "admin":
        text = ctx.t(
            "ℹ️ How to use Prasan\n"
            "• 📢 Broadcast: write an announcement, choose who receives it, send now or later; "
            "a delivery report follows.\n"
            "• 📅 Meetings: call a meeting, see who is coming, change or cancel it.\n"
            "• ⚠️ Open problems and 📋 Latest reports across the programme.\n"
            '• Type "cancel" at any step to stop.'
        )
    else:
        text = ctx.t(
            "ℹ️ How to use Prasan\n"
            "• ⚠️ Open problems: problems reported in your areas that are not resolved.\n"
            "• 📋 Latest reports: the newest reports in your areas.\n"
            "• New problems in your areas are sent to you as they arrive."
        )
        text += "\n" + ctx.t(
            "• 🔎 Search: find reports in your areas by their words (or type /search and the "
            "words).\n• Type # and a number (e.g. #12) to open a problem and act on it."
        )
    if ctx.person.role == "admin":
        text += "\n" + ctx.t(
            "• 👥 People: find someone, change their area, deactivate or reactivate them.\n"
            "• 🎟️ Invite code: create a one-time code to forward to a new person."
        )
    return [await main_menu(ctx, text)]


async def ask_language(ctx: Ctx) -> list[Outgoing]:
    """Offer the languages."""
    buttons = [Button(name, f"lang:{code}") for code, name in LANGUAGE_NAMES.items()]
    return [ctx.say(ctx.t("🌐 Choose your language:"), buttons)]


async def set_language(ctx: Ctx, code: str) -> list[Outgoing]:
    """Switch the person's language and answer in it."""
    assert ctx.person is not None
    if code not in LANGUAGE_NAMES:
        return await ask_language(ctx)
    await ctx.tx.set_language(ctx.person.id, code)
    ctx.t = translator(code)
    return [await main_menu(ctx, ctx.t("✅ I will talk to you in English from now on."))]


def report_line(ctx: Ctx, r: ReportRow) -> str:
    """One report in a list: number, date, kind, area, status."""
    date = format_date(r.created_at, ctx.tz, ctx.lang, short=True)
    kind = ctx.t(KIND_NAMES.get(r.kind, r.kind))
    status = ctx.t(STATUS_NAMES.get(r.status, r.status))
    snippet = shorten(r.text.replace("\n", " "), 40)
    return f"#{r.id} · {date} · {kind} · {r.area_name or '-'} · {status}\n   {snippet}"


async def my_reports(ctx: Ctx) -> list[Outgoing]:
    """The person's last 10 reports with their status."""
    assert ctx.person is not None
    rows = await ctx.tx.recent_reports(ctx.person.id, limit=10)
    if not rows:
        return [await main_menu(ctx, ctx.t("You have not sent any reports yet."))]
    notes = await ctx.tx.last_notes([r.id for r in rows])
    lines = [ctx.t("📋 Your latest reports:")]
    for r in rows:
        lines.append(report_line(ctx, r))
        if r.id in notes:
            lines.append("   " + ctx.t("💬 Note: {note}", note=_short(notes[r.id], 80)))
    lines.append(ctx.t("Type # and a number (e.g. #{id}) to see a report in full.", id=rows[0].id))
    return [await main_menu(ctx, "\n".join(lines))]


def _short(text: str, limit: int) -> str:
    return shorten(text.replace("\n", " "), limit)  # between Thai words, never inside a grapheme


async def scoped_reports(ctx: Ctx, *, open_only: bool) -> list[Outgoing]:
    """Reports within the person's scope: open problems, or the latest of any kind."""
    assert ctx.person is not None
    scope = await ctx.tx.scope_of(ctx.person.id)
    area_ids = (
        None if any(s == "all" for s, _ in scope) else await ctx.tx.area_ids_of(ctx.person.id)
    )
    rows = await ctx.tx.reports_in_areas(
        area_ids,
        kind="obstacle" if open_only else None,
        statuses=("open", "acknowledged", "in_progress") if open_only else None,
        limit=15,
    )
    if not rows:
        empty = (
            ctx.t("No open problems in your areas. 🎉")
            if open_only
            else ctx.t("No reports in your areas yet.")
        )
        return [await main_menu(ctx, empty)]
    title = ctx.t("⚠️ Open problems:") if open_only else ctx.t("📋 Latest reports:")
    text = "\n".join([title] + [report_line(ctx, r) for r in rows])
    # One button per listed report opens it (LINE shows at most 13 quick replies).
    opens = [Button(f"🔎 #{r.id}", f"ticket:{r.id}:view") for r in rows[:10]]
    return [ctx.say(text, [*opens, Button(ctx.t("🏠 Menu"), "m:menu")])]
