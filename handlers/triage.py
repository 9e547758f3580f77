"""Text (or a photo) out of the blue: ask whether it is progress or a problem, keeping it."""

from __future__ import annotations

from bot.i18n import N_
from bot.messages import Button, Outgoing
from handlers import obstacle, progress
from handlers.activity import read_facts
from handlers.context import MAX_TEXT, Ctx, cancel_button, no_words, pick, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step, start
from handlers.menu import main_menu
from handlers.report_steps import analysis, keep_photo, read_text

KIND = "kind"


def _buttons(ctx: Ctx, draft: Draft) -> list[Button]:
    """Always progress, problem, cancel (so "1" always means the same); the likelier is marked."""
    t = ctx.t
    likely = draft.get("likely")
    progress_label = t("👉 Progress update") if likely == "progress" else t("📝 Progress update")
    problem_label = t("👉 A problem") if likely == "obstacle" else t("⚠️ A problem")
    return [Button(progress_label, "progress"), Button(problem_label, "obstacle"),
            cancel_button(ctx)]  # fmt: skip


async def ask_kind(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks which kind of report the kept text is, the likelier marked."""
    if draft.get("text"):
        text = ctx.t("📨 Got it. Is this a progress update or a problem? "
                     "(I have kept your text, no need to type it again.)")  # fmt: skip
    else:
        text = ctx.t("📨 Got it. Is this for a progress update or a problem?")
    return [ctx.say(text, _buttons(ctx, draft))]


async def take_kind(ctx: Ctx, draft: Draft) -> Done | Invalid:
    """Starts the chosen flow with what we already have."""
    choice = pick(ctx, _buttons(ctx, draft))
    if choice is None:
        added = await _more_text(ctx, draft)
        if added is not None:  # they kept sending: keep it rather than lose it
            return Invalid(ctx.say(ctx.t(ADDED[added])))
        return Invalid(ctx.say(ctx.t("Please choose: progress update or problem.")))
    kept = {k: v for k, v in draft.items() if k in ("text", "photos", "latitude", "longitude")}
    if kept.get("text") and choice == "progress":
        read_facts(ctx, kept)
    flow = progress.FLOW if choice == "progress" else obstacle.FLOW
    return Done(await start(ctx, flow, kept), switched=True)


# What we say we kept, by what was kept: a photo without a caption adds nothing to the text.
ADDED = {
    "text": N_("📝 Added to your text."),
    "photo": N_("📷 Photo kept with your report."),
    "location": N_("📍 Location kept with your report."),
}


async def _more_text(ctx: Ctx, draft: Draft) -> str | None:
    """Keep a further message (text, photo, location) sent while we wait; say which it was."""
    inc = ctx.inc
    if inc.data is not None:
        return None
    kept = None
    if inc.kind == "photo" and inc.photo:
        await keep_photo(ctx, draft)
        kept = "photo"
    elif inc.kind == "location" and inc.latitude is not None:
        draft["latitude"], draft["longitude"] = inc.latitude, inc.longitude
        kept = "location"
    if inc.kind not in ("text", "photo") or not (inc.text or "").strip():
        return kept
    checked = await read_text(ctx, {}, ctx.t("your report"))
    if isinstance(checked, Invalid):
        return kept
    joined = f"{draft['text']}\n{checked}" if draft.get("text") else checked
    if len(joined) > MAX_TEXT:
        return kept
    draft["text"] = joined
    draft["likely"] = analysis(joined).kind
    return "text"


FLOW = Flow(name="triage", first=KIND, steps={KIND: Step(ask_kind, take_kind)})


async def begin(ctx: Ctx) -> list[Outgoing]:
    """Keep what was sent and ask what it is; something with no words gets the menu."""
    draft: Draft = {}
    inc = ctx.inc
    if inc.kind == "location" and inc.latitude is not None:
        draft["latitude"], draft["longitude"] = inc.latitude, inc.longitude
    elif inc.kind == "photo" and inc.photo:
        await keep_photo(ctx, draft)
    text = strip_controls(inc.text or "").strip()
    if text and not no_words(text):
        checked = await read_text(ctx, {}, ctx.t("your report"))
        if isinstance(checked, Invalid):
            return [checked.message]
        draft["text"] = checked
        draft["likely"] = analysis(checked).kind
    if not draft:  # "👍", "2", "..." out of the blue: nothing to keep
        hint = ctx.t("I did not understand that. Please choose below 👇")
        return [await main_menu(ctx, hint)]
    return await start(ctx, FLOW, draft)
