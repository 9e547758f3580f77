"""Choosing an audience with buttons (broadcasts and meetings share these steps).

The person adds targets one at a time — everyone, a role, a province, a district
(province first, then its districts), areas by button or typed codes — and the
audience is their union. The chosen targets live in the draft as JSON pairs.
"""

from __future__ import annotations

from enum import StrEnum

from bot.audience import describe, reach_line
from bot.i18n import N_
from bot.messages import Button, Outgoing
from handlers.context import Ctx, cancel_button, label_key, pick
from handlers.flow import Draft, Invalid, Step
from storage.queries_audience import ROLES, Reach, Target, TargetKind, load_targets


class T(StrEnum):
    """The states of choosing an audience (flows using them must not reuse these names)."""

    TARGET = "target"
    ROLE = "role"
    PROVINCE = "province"
    DISTRICT_PROVINCE = "dprovince"
    DISTRICT = "district"
    AREAS = "areas"


ROLE_LABELS = {
    "coordinator": N_("Coordinators"),
    "supervisor": N_("Supervisors"),
    "admin": N_("Administrators"),
}
KIND_ITEMS = (
    ("aud:all", N_("👥 Everyone")),
    ("aud:role", N_("🎭 By role")),
    ("aud:province", N_("🗺️ A province")),
    ("aud:district", N_("🏘️ A district")),
    ("aud:areas", N_("📍 Areas")),
)


def targets_of(draft: Draft) -> list[Target]:
    """The targets chosen so far."""
    return load_targets(draft.get("targets", []))


def _add(draft: Draft, target: Target) -> None:
    if target.dump() not in draft.setdefault("targets", []):
        draft["targets"].append(target.dump())


async def audience_reach(ctx: Ctx, draft: Draft) -> tuple[str, Reach]:
    """(description, reach) of the chosen audience."""
    targets = targets_of(draft)
    return await describe(ctx.tx, ctx.t, targets), await ctx.tx.reach(
        await ctx.tx.audience(targets)
    )


async def reach_or_retarget(ctx: Ctx, draft: Draft) -> tuple[str, Reach] | str:
    """(description, reach) of the chosen audience; or, when nobody registered is in it,
    the state of choosing recipients again (it says why)."""
    who, reach = await audience_reach(ctx, draft)
    if not reach.person_ids:
        draft["targets"] = []
        draft["notice"] = ctx.t("Nobody is registered in {who} yet. Please choose other "
                                "recipients.", who=who)  # fmt: skip
        return T.TARGET
    return who, reach


def done_button(ctx: Ctx) -> Button:
    """Finish choosing."""
    return Button(ctx.t("✅ Done"), "aud:done")


def _kind_buttons(ctx: Ctx, draft: Draft) -> list[Button]:
    buttons = [Button(ctx.t(label), data) for data, label in KIND_ITEMS]
    if draft.get("targets"):
        buttons.append(done_button(ctx))
    return [*buttons, cancel_button(ctx)]


def target_steps(after: str) -> dict[str, Step]:
    """The audience steps; `after` is the state that follows ✅ Done."""

    async def ask_target(ctx: Ctx, draft: Draft) -> list[Outgoing]:
        """Asks whom to reach (or whom to add)."""
        if not draft.get("targets"):
            text = ctx.t("👥 Who should receive it? Choose a group; you can add more than one.")
        else:
            who, reach = await audience_reach(ctx, draft)
            text = ctx.t("So far: {who} — {reach}.\nAdd another group, or press Done.",
                         who=who, reach=reach_line(ctx.t, reach))  # fmt: skip
        notice = draft.pop("notice", None)  # why we are back here (nobody in that audience)
        head = [ctx.say(notice)] if notice else []
        return [*head, ctx.say(text, _kind_buttons(ctx, draft))]

    async def take_target(ctx: Ctx, draft: Draft) -> str | Invalid:
        """Opens the chosen kind of group."""
        choice = pick(ctx, _kind_buttons(ctx, draft))
        nexts = {"aud:role": T.ROLE, "aud:province": T.PROVINCE,
                 "aud:district": T.DISTRICT_PROVINCE, "aud:areas": T.AREAS}  # fmt: skip
        if choice == "aud:all":
            _add(draft, Target(TargetKind.ALL))
            return T.TARGET
        if choice == "aud:done":
            return after
        if choice in nexts:
            return nexts[choice]
        return Invalid(ctx.say(ctx.t("Please choose a group with the buttons.")))

    async def ask_role(ctx: Ctx, draft: Draft) -> list[Outgoing]:
        """Offers the roles."""
        buttons = [Button(ctx.t(ROLE_LABELS[r]), f"aud:role:{r}") for r in ROLES]
        return [ctx.say(ctx.t("🎭 Which role?"), [*buttons, cancel_button(ctx)])]

    async def take_role(ctx: Ctx, draft: Draft) -> str | Invalid:
        """Adds a role."""
        buttons = [Button(ctx.t(ROLE_LABELS[r]), f"aud:role:{r}") for r in ROLES]
        choice = pick(ctx, buttons)
        if choice is None:
            return Invalid(ctx.say(ctx.t("Please choose a role with the buttons.")))
        _add(draft, Target(TargetKind.ROLE, choice.rsplit(":", 1)[1]))
        return T.TARGET

    async def province_buttons(ctx: Ctx) -> list[Button]:
        rows = await ctx.tx.provinces_list()
        return [Button(th if ctx.lang == "th" else en, f"aud:p:{i}") for i, th, en in rows]

    def typed_place(ctx: Ctx, rows: list[tuple[int, str, str]], prefix: str) -> str | None:
        typed = label_key(ctx.inc.text or "")
        return next((f"{prefix}{i}" for i, th, en in rows
                     if typed and typed in (label_key(th), label_key(en))), None)  # fmt: skip

    def place_step(kind: TargetKind | None, next_state: str) -> Step:
        """A province choice: added as a target, or (kind None) remembered for its districts."""

        async def ask(ctx: Ctx, draft: Draft) -> list[Outgoing]:
            text = ctx.t("🗺️ Which province?")
            return [ctx.say(text, [*await province_buttons(ctx), cancel_button(ctx)])]

        async def answer(ctx: Ctx, draft: Draft) -> str | Invalid:
            choice = pick(ctx, await province_buttons(ctx))
            choice = choice or typed_place(ctx, await ctx.tx.provinces_list(), "aud:p:")
            if choice is None:
                return Invalid(ctx.say(ctx.t("Please choose a province with the buttons.")))
            pid = int(choice.rsplit(":", 1)[1])
            if kind is None:
                draft["province"] = pid
            else:
                _add(draft, Target(kind, pid))
            return next_state

        return Step(ask, answer)

    async def district_buttons(ctx: Ctx, draft: Draft) -> list[Button]:
        rows = await ctx.tx.districts_of(int(draft.get("province", 0)))
        return [Button(th if ctx.lang == "th" else en, f"aud:d:{i}") for i, th, en in rows]

    async def ask_district(ctx: Ctx, draft: Draft) -> list[Outgoing]:
        """Offers the province's districts."""
        buttons = await district_buttons(ctx, draft)
        return [ctx.say(ctx.t("🏘️ Which district?"), [*buttons, cancel_button(ctx)])]

    async def take_district(ctx: Ctx, draft: Draft) -> str | Invalid:
        """Adds a district."""
        choice = pick(ctx, await district_buttons(ctx, draft))
        rows = await ctx.tx.districts_of(int(draft.get("province", 0)))
        choice = choice or typed_place(ctx, rows, "aud:d:")
        if choice is None:
            return Invalid(ctx.say(ctx.t("Please choose a district with the buttons.")))
        _add(draft, Target(TargetKind.DISTRICT, int(choice.rsplit(":", 1)[1])))
        draft.pop("province", None)
        return T.TARGET

    async def area_buttons(ctx: Ctx) -> list[Button]:
        return [Button(f"{a.code} {a.name}", f"aud:a:{a.id}") for a in await ctx.tx.list_areas()]

    async def ask_areas(ctx: Ctx, draft: Draft) -> list[Outgoing]:
        """Offers the areas (buttons, or codes typed with commas)."""
        text = ctx.t("📍 Which areas? Press one, or type codes separated by commas "
                     "(e.g. PTN01, YLA02).")  # fmt: skip
        return [ctx.say(text, [*await area_buttons(ctx), cancel_button(ctx)])]

    async def take_areas(ctx: Ctx, draft: Draft) -> str | Invalid:
        """Adds the chosen or typed areas."""
        choice = pick(ctx, await area_buttons(ctx))
        if choice is not None:
            _add(draft, Target(TargetKind.AREA, int(choice.rsplit(":", 1)[1])))
            return T.TARGET
        by_code = {a.code.casefold(): a.id for a in await ctx.tx.list_areas()}
        codes = [c.strip().casefold() for c in (ctx.inc.text or "").replace(" ", ",").split(",")]
        codes = [c for c in codes if c]
        unknown = [c.upper() for c in codes if c not in by_code]
        if not codes or unknown:
            what = ", ".join(unknown) if unknown else "-"
            return Invalid(ctx.say(ctx.t("I do not know the area code(s) {codes}. Please press "
                                         "an area or type codes such as PTN01.", codes=what)))  # fmt: skip
        for code in codes:
            _add(draft, Target(TargetKind.AREA, by_code[code]))
        return T.TARGET

    return {
        T.TARGET: Step(ask_target, take_target),
        T.ROLE: Step(ask_role, take_role),
        T.PROVINCE: place_step(TargetKind.PROVINCE, T.TARGET),
        T.DISTRICT_PROVINCE: place_step(None, T.DISTRICT),
        T.DISTRICT: Step(ask_district, take_district),
        T.AREAS: Step(ask_areas, take_areas),
    }
