"""Progress-report steps about the activity itself: how many took part, and on which day.

The day is read from the text ("เมื่อวาน", "วันที่ 3", "3 ธ.ค."); when the text names none, the
summary shows the sending day and says Edit changes it, so the usual report (sent right after
the activity) needs no extra question.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from enum import StrEnum

from bot import nlp
from bot.dates import format_day
from bot.i18n import Translator, number
from bot.messages import Button, Outgoing
from bot.nlp.counts import Count, count_people, thai_number
from bot.when import read_date
from handlers.context import Ctx, cancel_button, pick
from handlers.flow import Draft, Invalid, then
from handlers.words import bare

# More people than this for one activity is most likely a typo: ask before storing it.
PLAUSIBLE = 5_000
MAX_COUNT = 100_000


class S(StrEnum):
    """The progress flow's states."""

    AREA = "area"
    TEXT = "text"
    PARTICIPANTS = "participants"
    COUNT = "count"
    BIG = "big"
    WHEN = "when"
    ATTACH = "attach"
    CONFIRM = "confirm"
    EDIT = "edit"


_NUMBER = re.compile(r"^\s*(\d{1,3}(?:,\d{3})+|\d{1,6})\s*(คน|ราย|ท่าน|people|persons?|orang)?\s*$",
                     re.IGNORECASE)  # fmt: skip


def local_today(ctx: Ctx) -> date:
    """Today in the programme's time zone (from the injected clock)."""
    return ctx.tx.now().astimezone(ctx.tz).date()


def read_facts(ctx: Ctx, draft: Draft) -> None:
    """What the report text says by itself: the participants (with groups) and the day."""
    found = count_people(nlp.normalize(draft["text"]))
    draft["guess"] = found.total if found else None
    draft["groups"] = [list(g) for g in found.groups] if found else []
    when = read_date(draft["text"], local_today(ctx))
    if when is not None:
        draft["when"] = when.isoformat()


def typed_count(text: str | None) -> Count | None:
    """A typed count: '25', '1,200 คน', '๓๐', 'สามสิบ', 'ชาย 10 คน หญิง 15 คน'."""
    if not text:
        return None
    norm = nlp.normalize(text)
    m = _NUMBER.match(norm)
    if m is not None:
        n = int(m.group(1).replace(",", ""))
        return Count(n) if 0 <= n <= MAX_COUNT else None
    words = thai_number(bare(norm).removesuffix("คน").removesuffix("ท่าน"))
    if words is not None:
        return Count(words)
    return count_people(norm)


def _count_buttons(ctx: Ctx, guess: int | None) -> list[Button]:
    t = ctx.t
    none = Button(t("➖ Not counted"), "none")
    if guess is None:
        return [none, cancel_button(ctx)]
    return [
        Button(t("✅ Yes, {n}", n=number(guess)), "yes"),
        Button(t("✏️ Change"), "change"),
        none,
        cancel_button(ctx),
    ]


def _keep(draft: Draft, found: Count) -> str:
    """Store a typed count, or hold an implausible one for a second look."""
    draft["groups"] = [list(g) for g in found.groups]
    if found.total > PLAUSIBLE:
        draft["big"] = found.total
        return S.BIG
    draft["participants"] = found.total
    return then(draft, S.ATTACH)


async def ask_participants(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
    """Confirms the participant count read from the text, or asks for it."""
    guess = draft.get("guess")
    if guess is None:
        return S.COUNT
    text = ctx.t("👥 About {n} participants — is that right?", n=number(guess))
    return [ctx.say(text, _count_buttons(ctx, guess))]


async def take_participants(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Yes / change / not counted, or a typed number."""
    choice = pick(ctx, _count_buttons(ctx, draft.get("guess")))
    if choice == "yes":
        draft["participants"] = draft["guess"]
    elif choice == "none":
        draft["participants"], draft["groups"] = None, []
    elif choice == "change":
        return S.COUNT
    else:
        typed = typed_count(ctx.inc.text)
        if typed is None:
            return Invalid(ctx.say(ctx.t("Please press a button, or type the number of people.")))
        return _keep(draft, typed)
    return then(draft, S.ATTACH)


async def ask_count(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks how many took part."""
    return [
        ctx.say(
            ctx.t("👥 How many people took part? Type a number, e.g. 25."),
            _count_buttons(ctx, None),
        )
    ]


async def take_count(ctx: Ctx, draft: Draft) -> str | Invalid:
    """A number (Thai digits or words too), groups that add up, or 'not counted'."""
    if pick(ctx, _count_buttons(ctx, None)) == "none":
        draft["participants"], draft["groups"] = None, []
        return then(draft, S.ATTACH)
    typed = typed_count(ctx.inc.text)
    if typed is None:
        return Invalid(ctx.say(ctx.t('Please type a number such as 25, or press "Not counted".')))
    return _keep(draft, typed)


def _big_buttons(ctx: Ctx, n: int) -> list[Button]:
    return [Button(ctx.t("✅ Yes, {n}", n=number(n)), "yes"),
            Button(ctx.t("✏️ Change"), "change"), cancel_button(ctx)]  # fmt: skip


async def ask_big(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """A second look at an implausibly large count before it is stored."""
    n = int(draft["big"])
    text = ctx.t("👥 {n} people is a lot for one activity. Is that right?", n=number(n))
    return [ctx.say(text, _big_buttons(ctx, n))]


async def take_big(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Yes keeps it; change (or another number) asks again."""
    choice = pick(ctx, _big_buttons(ctx, int(draft["big"])))
    if choice == "yes":
        draft["participants"] = draft.pop("big")
        return then(draft, S.ATTACH)
    if choice == "change":
        draft.pop("big", None)
        return S.COUNT
    typed = typed_count(ctx.inc.text)
    if typed is None:
        return Invalid(ctx.say(ctx.t("Please press a button, or type the number of people.")))
    draft.pop("big", None)
    return _keep(draft, typed)


def participants_line(t: Translator, n: int | None, groups: list[list[object]] | None) -> str:
    """'Participants: 25 people (ชาย 10 · หญิง 15)' or 'not counted'."""
    if n is None:
        return t("Participants: not counted")
    line = t.plural("Participants: {count} person", "Participants: {count} people", n,
                    count=number(n))  # fmt: skip
    if groups:
        line += " (" + " · ".join(f"{g} {number(int(str(c)))}" for g, c in groups) + ")"
    return line


def _when_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("📅 Today"), "today"), Button(ctx.t("📅 Yesterday"), "yesterday"),
            cancel_button(ctx)]  # fmt: skip


async def ask_when(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks on which day the activity took place (from the summary's Edit)."""
    text = ctx.t("🗓️ On which day did the activity take place? "
                 "Press a button or type the date, e.g. 3 Dec.")  # fmt: skip
    return [ctx.say(text, _when_buttons(ctx))]


async def take_when(ctx: Ctx, draft: Draft) -> str | Invalid:
    """Today, yesterday, or a typed day ('เมื่อวาน', 'วันที่ 3', '3 ธ.ค.')."""
    today = local_today(ctx)
    choice = pick(ctx, _when_buttons(ctx))
    day = {"today": today, "yesterday": today - timedelta(days=1)}.get(choice or "")
    if day is None:
        day = read_date(ctx.inc.text or "", today)
    if day is None:
        return Invalid(ctx.say(ctx.t("Please type the day of the activity, e.g. 3 Dec or "
                                     "yesterday (not a day still to come).")))  # fmt: skip
    draft["when"] = day.isoformat()
    return then(draft, S.ATTACH)


def activity_day(ctx: Ctx, draft: Draft) -> date:
    """The day the report is about: read from the text or chosen, else the day it is sent."""
    when = draft.get("when")
    return date.fromisoformat(when) if when else local_today(ctx)


def when_line(ctx: Ctx, draft: Draft) -> str:
    """'Activity date: 29 พ.ย. 2569', or today's date with a hint that Edit changes it."""
    day = format_day(activity_day(ctx, draft), ctx.lang)
    if draft.get("when"):
        return ctx.t("Activity date: {date}", date=day)
    return ctx.t("Activity date: {date} (today; press Edit if it was another day)", date=day)
