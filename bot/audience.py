"""Targets as admins write them (`province:ปัตตานี`, `area:ptn01,PTN02`) and as people read them."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from bot.dates import BE_OFFSET
from bot.i18n import Translator, join_names, number
from storage.queries_audience import ROLES, Reach, Target, TargetKind
from storage.store import Tx


class TargetError(ValueError):
    """A target that names nothing we know; the message says what to write instead."""


async def parse_target(tx: Tx, spec: str) -> list[Target]:
    """One `--to` value: all, role:R, province:NAME, district:NAME, area:CODE[,CODE...]."""
    kind, _, value = spec.strip().partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind == "all" and not value:
        return [Target(TargetKind.ALL)]
    if kind == "role":
        if value.lower() not in ROLES:
            raise TargetError(f"unknown role {value!r}: use role:coordinator|supervisor|admin")
        return [Target(TargetKind.ROLE, value.lower())]
    if kind == "province" and value:
        pid = await tx.find_province(value)
        if pid is None:
            raise TargetError(f"unknown province {value!r} (Thai or English name)")
        return [Target(TargetKind.PROVINCE, pid)]
    if kind == "district" and value:
        did = await tx.find_district(value)
        if did is None:
            raise TargetError(f"unknown or ambiguous district {value!r} (Thai or English name)")
        return [Target(TargetKind.DISTRICT, did)]
    if kind == "area" and value:
        by_code = {a.code.casefold(): a.id for a in await tx.list_areas()}
        found = []
        for code in (c.strip() for c in value.split(",") if c.strip()):
            if code.casefold() not in by_code:
                raise TargetError(f"unknown area code {code!r} (see `prasan areas list`)")
            found.append(Target(TargetKind.AREA, by_code[code.casefold()]))
        return found
    raise TargetError(
        f"cannot read target {spec!r}: use all, role:coordinator|supervisor|admin, "
        "province:NAME, district:NAME or area:CODE[,CODE...]"
    )


async def parse_targets(tx: Tx, specs: list[str]) -> list[Target]:
    """Several `--to` values, combined (each person once)."""
    found: list[Target] = []
    for spec in specs:
        for target in await parse_target(tx, spec):
            if target not in found:
                found.append(target)
    return found


async def describe(tx: Tx, t: Translator, targets: list[Target]) -> str:
    """Targets as a person reads them: 'province ปัตตานี, coordinators'."""
    roles = {"coordinator": t("coordinators"), "supervisor": t("supervisors"),
             "admin": t("administrators")}  # fmt: skip
    parts: list[str] = []
    for target in targets:
        if target.kind == TargetKind.ALL:
            parts.append(t("everyone"))
        elif target.kind == TargetKind.ROLE:
            parts.append(roles.get(str(target.ref), str(target.ref)))
        else:
            names = await tx.place_name(target.kind, int(target.ref or 0))
            name = "?" if names is None else (names[0] if t.lang == "th" else names[1])
            if target.kind == TargetKind.AREA and names is not None:
                name = f"{names[0]} ({names[1]})"
            if target.kind == TargetKind.PROVINCE:
                parts.append(t("province {name}", name=name))
            elif target.kind == TargetKind.DISTRICT:
                parts.append(t("district {name}", name=name))
            else:
                parts.append(t("area {name}", name=name))
    return join_names(t, parts)


def reach_line(t: Translator, reach: Reach) -> str:
    """'12 people: LINE 8, Telegram 4; 1 without a chat app'."""
    names = {"line": "LINE", "telegram": "Telegram", "console": t("console")}
    channels = ", ".join(f"{names.get(ch, ch)} {n}" for ch, n in sorted(reach.per_channel.items()))
    text = t("{n} people", n=number(len(reach.person_ids)))
    if channels:
        text += f": {channels}"
    if reach.unreachable:
        text += "; " + t("{n} without a chat app (blocked the bot)", n=number(reach.unreachable))
    return text


def parse_moment(text: str, tz: ZoneInfo) -> datetime | None:
    """'2026-12-15 14:00', '2569-12-15 14:00' or '15/12/2569 14:00' (a year ≥ 2400 is BE)."""
    text = " ".join(text.translate(THAI_DIGITS).split()).removesuffix("น.").strip()
    # A Buddhist Era year becomes CE before parsing (29 February exists only in CE terms).
    text = _YEAR.sub(lambda m: str(int(m.group()) - BE_OFFSET) if int(m.group()) >= 2400
                     else m.group(), text)  # fmt: skip
    for fmt in ("%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M", "%d-%m-%Y %H:%M", "%d/%m/%Y %H.%M",
                "%Y-%m-%d %H.%M"):  # fmt: skip
        try:
            naive = datetime.strptime(text, fmt)
        except ValueError:
            continue
        return naive.replace(tzinfo=tz)
    return None


_YEAR = re.compile(r"(?<!\d)\d{4}(?!\d)")
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
