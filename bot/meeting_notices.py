"""What a meeting says to the people it invites: notice, update, reminders, cancellation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.dates import MONTHS, be_year, format_time, year_text
from bot.i18n import Translator
from bot.messages import Button, Outgoing
from bot.notify import Compose
from storage.queries_meetings import Meeting

WEEKDAYS = {
    "th": ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    "ms": ("Isnin", "Selasa", "Rabu", "Khamis", "Jumaat", "Sabtu", "Ahad"),
}


class Kind(StrEnum):
    """The notices a meeting sends (each at most once per person: the key names it)."""

    NOTICE = "notice"
    UPDATE = "update"
    RENOTICE = "renotice"
    REMIND_DAY = "remind-1d"
    REMIND_HOURS = "remind-2h"
    CANCEL = "cancel"


def meeting_day(dt: datetime, tz: ZoneInfo, lang: str) -> str:
    """'วันจันทร์ที่ 15 ธันวาคม 2569' / 'Monday 15 December 2569 BE' / 'Isnin, 15 Disember 2026'."""
    local = dt.astimezone(tz)
    day = WEEKDAYS.get(lang, WEEKDAYS["en"])[local.weekday()]
    month = MONTHS.get(lang, MONTHS["en"])[local.month - 1]
    if lang == "th":
        return f"วัน{day}ที่ {local.day} {month} {be_year(local)}"
    if lang == "ms":
        return f"{day}, {local.day} {month} {year_text(local, lang)}"  # Masihi: see year_text
    return f"{day} {local.day} {month} {be_year(local)} BE"


def rsvp_buttons(t: Translator, meeting_id: int) -> tuple[Button, ...]:
    """Attend / cannot attend, pressable any time until the meeting starts."""
    return (
        Button(t("✅ I will attend"), f"rsvp:{meeting_id}:yes"),
        Button(t("❌ Cannot attend"), f"rsvp:{meeting_id}:no"),
    )


def details(t: Translator, m: Meeting, tz: ZoneInfo) -> list[str]:
    """Title, date with weekday, time, venue (with a map link), agenda."""
    lines = [
        t("📌 {title}", title=m.title),
        t("🗓️ Date: {date}", date=meeting_day(m.starts_at, tz, t.lang)),
        t("🕘 Time: {time}", time=format_time(m.starts_at, tz, t.lang)),
        t("📍 Venue: {venue}", venue=m.venue),
    ]
    if m.latitude is not None and m.longitude is not None:
        lines.append(t("🗺️ Map: {url}", url=map_url(m.latitude, m.longitude)))
    if m.agenda:
        lines.append(t("📝 Agenda: {agenda}", agenda=m.agenda))
    return lines


def map_url(latitude: float, longitude: float) -> str:
    """A link any phone opens in its map app."""
    return f"https://maps.google.com/?q={latitude:.6f},{longitude:.6f}"


def compose(kind: Kind, m: Meeting, tz: ZoneInfo, *, answered: str | None = None) -> Compose:
    """One notice about a meeting, rendered in the reader's language."""

    def render(t: Translator) -> list[Outgoing]:
        heads = {
            Kind.NOTICE: t("📅 You are invited to a meeting"),
            Kind.UPDATE: t(
                "🔄 A meeting you are invited to has changed: please note the new details"
            ),
            Kind.RENOTICE: t("📅 We have not heard from you yet about this meeting"),
            Kind.REMIND_DAY: t("⏰ Reminder: this meeting is tomorrow"),
            Kind.REMIND_HOURS: t("⏰ Reminder: this meeting starts in about two hours"),
            Kind.CANCEL: t("🚫 This meeting has been cancelled"),
        }
        lines = [heads[kind], "", *details(t, m, tz)]
        if kind == Kind.CANCEL:
            return [Outgoing("\n".join(lines))]
        if answered == "yes":
            lines += ["", t("You said you will attend. Thank you.")]
        elif answered is None:
            lines += ["", t("Will you attend? Please answer with the buttons below.")]
        return [Outgoing("\n".join(lines), rsvp_buttons(t, m.id))]

    return render
