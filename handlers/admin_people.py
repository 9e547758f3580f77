"""Admins in chat: find a person → their card → change area / deactivate or reactivate.

find → pick → card → (province → area → replace or add) | (confirm deactivate/reactivate)
Every answer re-checks that the person is still an admin (a draft outlives a role change).
"""

from __future__ import annotations

from enum import StrEnum

from bot import access
from bot.dates import format_datetime
from bot.messages import Button, Outgoing
from bot.textcut import shorten
from handlers.actions import refuse
from handlers.context import Ctx, cancel_button, pick
from handlers.flow import Done, Draft, Flow, Invalid, Step
from handlers.menu import main_menu, role_name
from storage.audit import person_actor
from storage.queries_access import ScopeEntry

MAX_FOUND = 10


class S(StrEnum):
    FIND = "find"
    PICK = "pick"
    CARD = "card"
    PROVINCE = "province"
    AREA = "area"
    HOW = "how"
    ACTIVE = "active"


async def not_admin(ctx: Ctx) -> Done | None:
    """Refuse (and audit) a step of an admin screen taken by someone who is not an admin."""
    assert ctx.person is not None
    if ctx.person.role == "admin" and ctx.person.active:
        return None
    return Done(await refuse(ctx, "admin screen"))


async def ask_find(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for part of a name or an area code."""
    return [ctx.say(ctx.t("👥 Who are you looking for? Type part of their name or an area "
                          "code (for example PTN01)."), [cancel_button(ctx)])]  # fmt: skip


async def take_find(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Finds people by name or area code."""
    if refused := await not_admin(ctx):
        return refused
    text = (ctx.inc.text or "").strip()
    if ctx.inc.data is not None or not text:
        return Invalid(ctx.say(ctx.t("Please type part of a name or an area code.")))
    found = await ctx.tx.find_people(text=text[:50], active=None, limit=MAX_FOUND)
    if not found:
        return Invalid(ctx.say(ctx.t("No one found for \u201c{text}\u201d. Try another name "
                                     "or area code.", text=shorten(text, 50))))  # fmt: skip
    draft["found"] = [p.id for p in found]
    if len(found) == 1:
        draft["person"] = found[0].id
        return S.CARD
    return S.PICK


async def ask_pick(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Offers the people found."""
    buttons = []
    for pid in draft["found"]:
        p = await ctx.tx.person(pid)
        if p is not None:
            mark = "" if p.active else " ⏸️"
            buttons.append(Button(f"{p.name} ({role_name(ctx, p.role)}){mark}", f"ap:{p.id}"))
    return [ctx.say(ctx.t("Who do you mean?"), [*buttons, cancel_button(ctx)])]


async def take_pick(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Opens the chosen person's card."""
    if refused := await not_admin(ctx):
        return refused
    options = []
    for pid in draft["found"]:
        p = await ctx.tx.person(pid)
        if p is not None:
            options += [Button(f"{p.name} ({role_name(ctx, p.role)})", f"ap:{p.id}"),
                        Button(p.name, f"ap:{p.id}")]  # fmt: skip
    chosen = pick(ctx, options)
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose a person with the buttons below.")))
    draft["person"] = int(chosen.split(":", 1)[1])
    return S.CARD


def _card_buttons(ctx: Ctx, active: bool, role: str) -> list[Button]:
    buttons = []
    if role != "admin":
        buttons.append(Button(ctx.t("📍 Change area"), "ap:area"))
    buttons.append(Button(ctx.t("⏸️ Deactivate") if active else ctx.t("▶️ Reactivate"),
                          "ap:active"))  # fmt: skip
    return [*buttons, Button(ctx.t("🔍 Find someone else"), "ap:find"), cancel_button(ctx)]


async def ask_card(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Shows who the person is, where they work and when they last wrote."""
    p = await ctx.tx.person(int(draft["person"]))
    assert p is not None
    places = await ctx.tx.places(await ctx.tx.scope_of(p.id))
    where = ", ".join(f"{x.name} ({x.code})" if x.code else x.name for x in places) or "-"
    seen = await ctx.tx.last_seen(p.id)
    apps = sorted({i.channel for i in await ctx.tx.all_identities_of(p.id)})
    lines = [
        f"👤 {p.name} · {role_name(ctx, p.role)}",
        ctx.t("📍 Areas: {where}", where=where),
        ctx.t("💬 Chat apps: {apps}", apps=", ".join(apps) or "-"),
        ctx.t("🕒 Last seen: {when}",
              when=format_datetime(seen, ctx.tz, ctx.lang) if seen else "-"),
        ctx.t("📋 Reports: {n}", n=await ctx.tx.report_count(p.id)),
    ]  # fmt: skip
    if not p.active:
        lines.append(ctx.t("⏸️ Deactivated"))
    return [ctx.say("\n".join(lines), _card_buttons(ctx, p.active, p.role))]


async def take_card(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Goes where the admin pressed."""
    if refused := await not_admin(ctx):
        return refused
    p = await ctx.tx.person(int(draft["person"]))
    if p is None:
        return Done([await main_menu(ctx)])
    chosen = pick(ctx, _card_buttons(ctx, p.active, p.role))
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose with the buttons below.")))
    return {"ap:area": S.PROVINCE, "ap:active": S.ACTIVE, "ap:find": S.FIND}[chosen]


async def _provinces(ctx: Ctx) -> list[Button]:
    seen: dict[int, str] = {}
    for a in await ctx.tx.list_areas():
        seen.setdefault(a.province_id, a.province if ctx.lang == "th" else a.province_en)
    return [Button(name, f"ap:prov:{pid}") for pid, name in seen.items()]


async def ask_province(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks which province the new area is in."""
    return [ctx.say(ctx.t("📍 Which province?"), [*await _provinces(ctx), cancel_button(ctx)])]


async def take_province(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the province."""
    if refused := await not_admin(ctx):
        return refused
    chosen = pick(ctx, await _provinces(ctx))
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose a province with the buttons below.")))
    draft["province"] = int(chosen.rsplit(":", 1)[1])
    return S.AREA


async def area_buttons(ctx: Ctx, province_id: int, *, whole: bool) -> list[Button]:
    """The areas of a province (and, for supervisors, the whole province first)."""
    buttons = [Button(ctx.t("🗺️ The whole province"), "ap:whole")] if whole else []
    areas = [a for a in await ctx.tx.list_areas() if a.province_id == province_id]
    return buttons + [Button(f"{a.name} ({a.code})", f"ap:a:{a.code}") for a in areas]


async def ask_area(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Offers the areas of the chosen province."""
    p = await ctx.tx.person(int(draft["person"]))
    assert p is not None
    buttons = await area_buttons(ctx, int(draft["province"]), whole=p.role == "supervisor")
    return [ctx.say(ctx.t("Which area? (You can also type its code.)"),
                    [*buttons, cancel_button(ctx)])]  # fmt: skip


async def take_area(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the chosen area (or province)."""
    if refused := await not_admin(ctx):
        return refused
    p = await ctx.tx.person(int(draft["person"]))
    assert p is not None
    options = await area_buttons(ctx, int(draft["province"]), whole=p.role == "supervisor")
    options += [Button(b.data.rsplit(":", 1)[1], b.data) for b in options if ":a:" in b.data]
    chosen = pick(ctx, options)
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose an area with the buttons below.")))
    if chosen == "ap:whole":
        draft["entry"] = ["province", int(draft["province"])]
    else:
        area = await ctx.tx.area_by_code(chosen.rsplit(":", 1)[1])
        assert area is not None
        draft["entry"] = ["area", area.id]
    return S.HOW


def _how_buttons(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("🔁 Replace their areas"), "ap:replace"),
            Button(ctx.t("➕ Add to their areas"), "ap:add"), cancel_button(ctx)]  # fmt: skip


async def ask_how(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks whether the new area replaces the old ones or is added."""
    places = await ctx.tx.places([draft["entry"]])
    name = places[0].name if places else "-"
    return [ctx.say(ctx.t("Replace their areas with {name}, or add it?", name=name),
                    _how_buttons(ctx))]  # fmt: skip


async def take_how(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Changes the scope (audited with before and after)."""
    assert ctx.person is not None
    if refused := await not_admin(ctx):
        return refused
    chosen = pick(ctx, _how_buttons(ctx))
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose with the buttons below.")))
    pid = int(draft["person"])
    entry: ScopeEntry = (str(draft["entry"][0]), int(draft["entry"][1]))
    scope: list[ScopeEntry] = (
        [entry] if chosen == "ap:replace" else [*await ctx.tx.scope_of(pid), entry]
    )
    try:
        await access.change_access(ctx.tx, person_actor(ctx.person.id), pid, scope=scope,
                                   via="chat")  # fmt: skip
    except access.AccessError:
        return Done([await main_menu(ctx, ctx.t("That change is not possible for this person. "
                                                "Nothing was changed."))])  # fmt: skip
    p = await ctx.tx.person(pid)
    places = await ctx.tx.places(await ctx.tx.scope_of(pid))
    where = ", ".join(x.name for x in places)
    return Done([await main_menu(ctx, ctx.t("✅ {name} now works in: {where}",
                                            name=p.name if p else "-", where=where))])  # fmt: skip


def _active_buttons(ctx: Ctx, active: bool) -> list[Button]:
    yes = ctx.t("⏸️ Yes, deactivate") if active else ctx.t("▶️ Yes, reactivate")
    return [Button(yes, "ap:yes"), cancel_button(ctx)]


async def ask_active(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks to confirm deactivating (or reactivating), saying what it means."""
    p = await ctx.tx.person(int(draft["person"]))
    assert p is not None
    text = (
        ctx.t("Deactivate {name}? They will not be able to report and will get no messages. "
              "Their reports stay.", name=p.name)
        if p.active
        else ctx.t("Reactivate {name}? They can use Prasan again as before.", name=p.name)
    )  # fmt: skip
    return [ctx.say(text, _active_buttons(ctx, p.active))]


async def take_active(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Deactivates or reactivates (audited)."""
    assert ctx.person is not None
    if refused := await not_admin(ctx):
        return refused
    p = await ctx.tx.person(int(draft["person"]))
    assert p is not None
    if pick(ctx, _active_buttons(ctx, p.active)) is None:
        return Invalid(ctx.say(ctx.t("Please press Yes, or Cancel.")))
    try:
        await access.set_active(ctx.tx, person_actor(ctx.person.id), p.id, not p.active)
    except access.AccessError:
        return Done([await main_menu(ctx, ctx.t("The last admin cannot be deactivated. "
                                                "Nothing was changed."))])  # fmt: skip
    done = ctx.t("⏸️ {name} is deactivated.", name=p.name) if p.active else ctx.t(
        "▶️ {name} is active again.", name=p.name)  # fmt: skip
    return Done([await main_menu(ctx, done)])


FLOW = Flow(
    name="admin_people",
    first=S.FIND,
    steps={
        S.FIND: Step(ask_find, take_find),
        S.PICK: Step(ask_pick, take_pick),
        S.CARD: Step(ask_card, take_card),
        S.PROVINCE: Step(ask_province, take_province),
        S.AREA: Step(ask_area, take_area),
        S.HOW: Step(ask_how, take_how),
        S.ACTIVE: Step(ask_active, take_active),
    },
)
