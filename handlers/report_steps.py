"""Steps the progress and obstacle flows share: area, text, attachments, edit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot import nlp
from bot.i18n import N_, number
from bot.messages import Button, Outgoing
from bot.nlp.terms import search_terms
from bot.textcut import shorten
from handlers.context import MAX_TEXT, Ctx, cancel_button, no_words, pick, strip_controls
from handlers.flow import RETURN_TO, Draft, Invalid, Step, then
from storage.queries_geo import Area


async def my_areas(ctx: Ctx) -> list[Area]:
    """The areas this person reports on (looked up once per message)."""
    assert ctx.person is not None
    if "areas" not in ctx.cache:
        ctx.cache["areas"] = await ctx.tx.areas_of_person(ctx.person.id)
    return ctx.cache["areas"]


def area_ask(next_state: str):  # type: ignore[no-untyped-def]
    """Ask which area, skipped when there is only one (or it is already chosen)."""

    async def ask(ctx: Ctx, draft: Draft) -> list[Outgoing] | str:
        if draft.get("area_id") and not draft.get("_edit_area"):
            return then(draft, next_state)
        areas = await my_areas(ctx)
        if len(areas) == 1:
            draft["area_id"] = areas[0].id
            return then(draft, next_state)
        buttons = [Button(a.name, f"area:{a.code}") for a in areas]
        return [ctx.say(ctx.t("📍 Which area is this about?"), [*buttons, cancel_button(ctx)])]

    return ask


def area_answer(next_state: str):  # type: ignore[no-untyped-def]
    """Take the chosen area (button or typed name or code)."""

    async def answer(ctx: Ctx, draft: Draft) -> str | Invalid:
        areas = await my_areas(ctx)
        options = [Button(a.name, f"area:{a.code}") for a in areas]
        options += [Button(a.code, f"area:{a.code}") for a in areas]
        chosen = pick(ctx, options)
        if chosen is None:
            return Invalid(
                ctx.say(ctx.t("Please choose one of your areas with the buttons below."))
            )
        code = chosen.split(":", 1)[1]
        draft["area_id"] = next(a.id for a in areas if a.code == code)
        draft.pop("_edit_area", None)
        return then(draft, next_state)

    return answer


async def keep_photo(ctx: Ctx, draft: Draft) -> None:
    """Add the photo to the draft and queue its fetch now (LINE deletes content after a while)."""
    assert ctx.person is not None and ctx.inc.photo
    ref = f"{ctx.inc.channel}:{ctx.inc.photo}"
    draft.setdefault("photos", []).append(ref)
    await ctx.tx.queue_photo(ref, ctx.person.id)


async def read_text(ctx: Ctx, draft: Draft, what: str) -> str | Invalid:
    """The typed text of a report, or a reply saying what is expected (keeps photos/locations)."""
    inc, t = ctx.inc, ctx.t
    if inc.kind == "photo" and inc.photo:
        await keep_photo(ctx, draft)
        if not (inc.text or "").strip():
            return Invalid(ctx.say(t("📷 Photo kept. Now please type {what}.", what=what)))
    elif inc.kind == "location" and inc.latitude is not None:
        draft["latitude"], draft["longitude"] = inc.latitude, inc.longitude
        return Invalid(ctx.say(t("📍 Location kept. Now please type {what}.", what=what)))
    elif inc.kind != "text" or inc.data is not None:
        return Invalid(
            ctx.say(t("I can only read typed text here. Please type {what}.", what=what))
        )
    text = strip_controls(inc.text or "").strip()
    if not text or no_words(text):
        return Invalid(ctx.say(t("Please describe it in words, e.g. what was done and where.")))
    if len(text) > MAX_TEXT:
        return Invalid(
            ctx.say(
                t(
                    "That is {count} characters; the limit is {limit}. "
                    "Please shorten it, or send the main points.",
                    count=number(len(text)),
                    limit=number(MAX_TEXT),
                )
            )
        )
    return text


async def attach_ask(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Offer to add photos or a location."""
    t = ctx.t
    got = len(draft.get("photos", [])) + (1 if draft.get("latitude") is not None else 0)
    if got:
        text = t("✅ Added. Send another photo or a location, or press Done.")
        button = Button(t("✅ Done"), "done")
    else:
        text = t(
            "📷 Would you like to add a photo or 📍 location? (optional)\n"
            "Send it now, or press Skip."
        )
        button = Button(t("⏭️ Skip"), "done")
    return [ctx.say(text, [button, cancel_button(ctx)])]


def attach_answer(next_state: str):  # type: ignore[no-untyped-def]
    """Collect photos/locations until Done/Skip."""

    async def answer(ctx: Ctx, draft: Draft) -> str | Invalid:
        inc = ctx.inc
        if inc.kind == "photo" and inc.photo:
            await keep_photo(ctx, draft)
            return "attach"
        if inc.kind == "location" and inc.latitude is not None:
            draft["latitude"], draft["longitude"] = inc.latitude, inc.longitude
            return "attach"
        t = ctx.t
        if pick(ctx, [Button(t("✅ Done"), "done"), Button(t("⏭️ Skip"), "done")]) == "done":
            return then(draft, next_state)
        return Invalid(ctx.say(t("Please send a photo or a location, or press Skip.")))

    return answer


@lru_cache(maxsize=4096)
def analysis(text: str) -> nlp.Analysis:
    """NLP of a report text; several steps of a flow ask about the same text."""
    return nlp.analyze(text)


@lru_cache(maxsize=4096)
def report_terms(text: str) -> tuple[str, ...]:
    """The search terms of a report text, from the tokens its analysis already has."""
    a = analysis(text)
    return search_terms(a.normalized, a.tokens)


async def area_label(ctx: Ctx, draft: Draft) -> str:
    """'Area (district, province)' for summaries."""
    if not draft.get("area_id"):
        return "-"
    area_id = int(draft["area_id"])
    area = next((a for a in await my_areas(ctx) if a.id == area_id), None)
    area = area or await ctx.tx.area_by_id(area_id)
    if area is None:
        return "-"
    return f"{area.name} ({area.district}, {area.province})"


def attachments_line(ctx: Ctx, draft: Draft) -> str:
    """How many photos and whether a location is attached."""
    photos = len(draft.get("photos", []))
    loc = ctx.t("yes") if draft.get("latitude") is not None else ctx.t("no")
    return ctx.t("Photos: {photos} · Location: {loc}", photos=photos, loc=loc)


def excerpt(text: str, limit: int = 600) -> str:
    """Long texts shortened for a summary card (cut between words)."""
    return shorten(text, limit)


@dataclass(frozen=True)
class Part:
    """One part of a report the summary's Edit button can change."""

    label: str  # a msgid (marked with N_)
    state: str  # the step that asks for it again
    forget: tuple[str, ...] = ()  # draft keys to drop so the step asks afresh
    then: str | None = None  # where to go after it, if not straight back to the summary


def edit_step(parts: tuple[Part, ...], area_state: str, summary_state: str) -> Step:
    """The "what would you like to change?" step of a report flow."""

    async def options(ctx: Ctx) -> list[tuple[Button, Part]]:
        shown = list(parts)
        if len(await my_areas(ctx)) > 1:
            shown.insert(0, Part(N_("Area"), area_state, forget=(), then=None))
        return [(Button(ctx.t(p.label), f"e:{p.state}"), p) for p in shown]

    def back(ctx: Ctx) -> Button:
        return Button(ctx.t("↩️ Back"), "e:back")

    async def ask(ctx: Ctx, draft: Draft) -> list[Outgoing]:
        buttons = [b for b, _ in await options(ctx)] + [back(ctx)]
        return [ctx.say(ctx.t("✏️ What would you like to change?"), buttons)]

    async def answer(ctx: Ctx, draft: Draft) -> str | Invalid:
        choices = await options(ctx)
        choice = pick(ctx, [b for b, _ in choices] + [back(ctx)])
        if choice is None:
            return Invalid(ctx.say(ctx.t("Please choose what to change with the buttons.")))
        if choice == "e:back":
            return summary_state
        part = next(p for b, p in choices if b.data == choice)
        for key in part.forget:
            draft.pop(key, None)
        if part.state == area_state:
            draft["_edit_area"] = True
        draft[RETURN_TO] = part.then or summary_state
        return part.state

    return Step(ask, answer)


def summary_buttons(ctx: Ctx) -> list[Button]:
    """Send / Edit / Cancel under a summary."""
    t = ctx.t
    return [Button(t("✅ Send"), "send"), Button(t("✏️ Edit"), "edit"), cancel_button(ctx)]


def summary_choice(ctx: Ctx, edit_state: str) -> str | Invalid | None:
    """None to send; the edit state; or a reply saying what the summary expects."""
    choice = pick(ctx, summary_buttons(ctx))
    if choice == "send":
        return None
    if choice == "edit":
        return edit_state
    return Invalid(
        ctx.say(ctx.t("Please press Send to save the report, Edit to change it, or Cancel."))
    )


async def store_report(
    ctx: Ctx,
    draft: Draft,
    *,
    kind: str,
    status: str,
    category: str,
    severity: str | None = None,
    participants: int | None = None,
) -> int:
    """Save the draft as a report (with its NLP) and return its number."""
    assert ctx.person is not None
    a = analysis(draft["text"])
    return await ctx.tx.insert_report(
        kind=kind,
        person_id=ctx.person.id,
        area_id=draft.get("area_id"),
        raw_text=draft["text"],
        norm_text=a.normalized,
        tokens=list(a.tokens),
        category=category,
        severity=severity,
        participants=participants,
        photos=draft.get("photos", []),
        latitude=draft.get("latitude"),
        longitude=draft.get("longitude"),
        status=status,
        channel=ctx.inc.channel,
        event_id=ctx.inc.event_id,
        search_text=" ".join(report_terms(draft["text"])),
        activity_date=date.fromisoformat(draft["when"]) if draft.get("when") else None,
        participant_groups=draft.get("groups") or None,
    )
