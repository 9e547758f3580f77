"""Admins in chat: create an invite code to forward (role → province → area → name → create).

Admin codes are made on the command line only (`prasan invite --role admin`): a chat
account is easier to lose than the server.
"""

from __future__ import annotations

from enum import StrEnum

from bot import access
from bot.dates import format_date
from bot.messages import Button, Outgoing
from handlers.admin_people import area_buttons, not_admin
from handlers.context import Ctx, cancel_button, pick
from handlers.flow import Done, Draft, Flow, Invalid, Step
from handlers.menu import main_menu, role_name
from storage.audit import person_actor

NAME_MAX = 100


class S(StrEnum):
    ROLE = "role"
    PROVINCE = "province"
    AREA = "area"
    NAME = "name"
    CONFIRM = "confirm"


def _roles(ctx: Ctx) -> list[Button]:
    return [Button(role_name(ctx, "coordinator"), "ai:coordinator"),
            Button(role_name(ctx, "supervisor"), "ai:supervisor"), cancel_button(ctx)]  # fmt: skip


async def ask_role(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks which role the new person gets."""
    return [ctx.say(ctx.t("🎟️ A new invite code. What will the person be?"), _roles(ctx))]


async def take_role(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the role."""
    if refused := await not_admin(ctx):
        return refused
    chosen = pick(ctx, _roles(ctx))
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose with the buttons below.")))
    draft["role"] = chosen.split(":", 1)[1]
    return S.PROVINCE


async def _provinces(ctx: Ctx, draft: Draft) -> list[Button]:
    seen: dict[int, str] = {}
    for a in await ctx.tx.list_areas():
        seen.setdefault(a.province_id, a.province if ctx.lang == "th" else a.province_en)
    buttons = [Button(name, f"ai:prov:{pid}") for pid, name in seen.items()]
    if draft.get("role") == "supervisor":
        buttons.append(Button(ctx.t("🌐 All areas"), "ai:all"))
    return buttons


async def ask_province(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks which province."""
    buttons = await _provinces(ctx, draft)
    return [ctx.say(ctx.t("📍 Which province?"), [*buttons, cancel_button(ctx)])]


async def take_province(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the province (or the whole programme for a supervisor)."""
    if refused := await not_admin(ctx):
        return refused
    chosen = pick(ctx, await _provinces(ctx, draft))
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose a province with the buttons below.")))
    if chosen == "ai:all":
        draft["scope"] = [["all", None]]
        return S.NAME
    draft["province"] = int(chosen.rsplit(":", 1)[1])
    return S.AREA


async def ask_area(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Offers the province's areas (a supervisor may take the whole province)."""
    buttons = await area_buttons(ctx, int(draft["province"]), whole=draft["role"] == "supervisor")
    return [ctx.say(ctx.t("Which area? (You can also type its code.)"),
                    [*buttons, cancel_button(ctx)])]  # fmt: skip


async def take_area(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the area."""
    if refused := await not_admin(ctx):
        return refused
    options = await area_buttons(ctx, int(draft["province"]), whole=draft["role"] == "supervisor")
    options += [Button(b.data.rsplit(":", 1)[1], b.data) for b in options if ":a:" in b.data]
    chosen = pick(ctx, options)
    if chosen is None:
        return Invalid(ctx.say(ctx.t("Please choose an area with the buttons below.")))
    if chosen == "ap:whole":
        draft["scope"] = [["province", int(draft["province"])]]
    else:
        area = await ctx.tx.area_by_code(chosen.rsplit(":", 1)[1])
        assert area is not None
        draft["scope"] = [["area", area.id]]
    return S.NAME


def _skip(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("⏭️ Skip"), "ai:skip"), cancel_button(ctx)]


async def ask_name(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks for the name the bot will greet them with."""
    return [ctx.say(ctx.t("✏️ Type the person's name as I should greet them, or press Skip "
                          "(I will use their chat name)."), _skip(ctx))]  # fmt: skip


async def take_name(ctx: Ctx, draft: Draft) -> str | Invalid | Done:
    """Keeps the name (or none)."""
    if refused := await not_admin(ctx):
        return refused
    if pick(ctx, _skip(ctx)) == "ai:skip":
        draft["name"] = None
        return S.CONFIRM
    text = " ".join((ctx.inc.text or "").split())
    if ctx.inc.data is not None or not text or len(text) > NAME_MAX:
        return Invalid(ctx.say(ctx.t("Please type a name (up to {n} characters), or press "
                                     "Skip.", n=NAME_MAX)))  # fmt: skip
    draft["name"] = text
    return S.CONFIRM


def _create(ctx: Ctx) -> list[Button]:
    return [Button(ctx.t("✅ Create the code"), "ai:create"), cancel_button(ctx)]


async def ask_confirm(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Shows what the code will give."""
    places = await ctx.tx.places(draft["scope"])
    text = ctx.t("Create a one-time code: {role} for {where}, name: {name}?",
                 role=role_name(ctx, draft["role"]), where=", ".join(p.name for p in places),
                 name=draft.get("name") or "-")  # fmt: skip
    return [ctx.say(text, _create(ctx))]


async def take_confirm(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Creates the code and gives a message ready to forward."""
    assert ctx.person is not None
    if refused := await not_admin(ctx):
        return refused
    if pick(ctx, _create(ctx)) is None:
        return Invalid(ctx.say(ctx.t("Please press Create, or Cancel.")))
    scope = [(str(k), None if r is None else int(r)) for k, r in draft["scope"]]
    made = await access.create_invite(ctx.tx, person_actor(ctx.person.id), draft["role"], scope,
                                      draft.get("name"))  # fmt: skip
    until = format_date(made.expires_at, ctx.tz, ctx.lang)
    note = ctx.t("✅ Code created. Forward the next message to the person; the code works once, "
                 "until {until}.", until=until)  # fmt: skip
    forward = ctx.t("🎟️ Your invite code for Prasan, the reporting assistant of the small "
                    "peaceful areas programme: {code}\nOpen the chat with Prasan on LINE or "
                    "Telegram and send this code. It works once, until {until}.",
                    code=made.code, until=until)  # fmt: skip
    return Done([ctx.say(note), ctx.say(forward), await main_menu(ctx)])


FLOW = Flow(
    name="admin_invite",
    first=S.ROLE,
    steps={
        S.ROLE: Step(ask_role, take_role),
        S.PROVINCE: Step(ask_province, take_province),
        S.AREA: Step(ask_area, take_area),
        S.NAME: Step(ask_name, take_name),
        S.CONFIRM: Step(ask_confirm, take_confirm),
    },
)
