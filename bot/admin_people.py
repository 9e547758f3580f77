"""`prasan people | invites | identities | audit`: people and access from the command line."""

from __future__ import annotations

import argparse
import csv
import getpass
import json
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime

from bot import access, cli_text
from bot.cli_dates import read_cli_date
from bot.cli_text import t
from bot.config import Settings
from bot.dates import format_datetime
from bot.demo import load_geography
from bot.i18n import N_, number
from storage.audit import AuditAction, audit_entries
from storage.queries_access import ScopeEntry
from storage.store import Store, Tx

REFUSALS = {
    access.Refusal.NO_PERSON: N_("no such person (see `prasan people list`)"),
    access.Refusal.BAD_ROLE: N_("the role must be coordinator, supervisor or admin"),
    access.Refusal.COORDINATOR_AREAS: N_("a coordinator's scope is areas: use --area CODE"),
    access.Refusal.EMPTY_SCOPE: N_("give --area CODE (or for a supervisor --district, "
                                   "--province, --all)"),
    access.Refusal.LAST_ADMIN: N_("this is the last active admin: make someone else admin first"),
    access.Refusal.ERASED: N_("this person was erased; nothing about them can be changed"),
}  # fmt: skip


def actor() -> str:
    """The operator as the audit log names them."""
    try:
        return "cli:" + getpass.getuser()
    except (KeyError, OSError):
        return "cli"


fail = cli_text.fail


@asynccontextmanager
async def transaction(settings: Settings) -> AsyncIterator[Tx]:
    """One transaction on a freshly opened store (closed afterwards)."""
    store = await Store.open(settings.DATABASE_URL)
    try:
        async with store.tx() as tx:
            yield tx
    finally:
        await store.close()


class ScopeError(Exception):
    """An area code, district or province that does not exist."""


async def scope_from_args(tx: Tx, args: argparse.Namespace) -> list[ScopeEntry]:
    """--area / --district / --province / --all as scope entries."""
    await load_geography(tx)
    scope: list[ScopeEntry] = []
    for code in args.area or []:
        area = await tx.area_by_code(code)
        if area is None:
            raise ScopeError(t("unknown area code '{code}' (see `prasan areas list`)", code=code))
        scope.append(("area", area.id))
    for name in args.district or []:
        did = await tx.find_district(name)
        if did is None:
            raise ScopeError(t("unknown or ambiguous district '{name}'", name=name))
        scope.append(("district", did))
    for name in args.province or []:
        pid = await tx.find_province(name)
        if pid is None:
            raise ScopeError(t("unknown province '{name}'", name=name))
        scope.append(("province", pid))
    if args.all:
        scope = [("all", None)]
    return scope


def _when(dt: datetime | None, settings: Settings) -> str:
    return format_datetime(dt, settings.timezone, cli_text.lang()) if dt else "-"


async def _scope_text(tx: Tx, person_id: int) -> str:
    places = await tx.places(await tx.scope_of(person_id))
    return " ".join(
        "all" if p.kind == "all" else f"{p.code} ({p.name})" if p.kind == "area"
        else f"{p.kind}:{p.name}" for p in places
    )  # fmt: skip


async def people_list(args: argparse.Namespace, settings: Settings) -> int:
    """People as CSV: role, channels, scope (area codes and place names)."""
    out = csv.writer(sys.stdout)
    async with transaction(settings) as tx:
        area_id = None
        if args.area:
            area = await tx.area_by_code(args.area)
            if area is None:
                return fail(
                    t("unknown area code '{code}' (see `prasan areas list`)", code=args.area)
                )
            area_id = area.id
        found = await tx.find_people(role=args.role, area_id=area_id, active=not args.inactive)
        out.writerow(["id", "name", "role", "language", "channels", "scope", "active"])
        for p in found:
            channels = " ".join(sorted({i.channel for i in await tx.identities_of(p.id)}))
            out.writerow([p.id, p.name, p.role, p.language, channels,
                          await _scope_text(tx, p.id), "yes" if p.active else "no"])  # fmt: skip
    return 0


async def people_show(args: argparse.Namespace, settings: Settings) -> int:
    """One person: role, scope, identities, last seen, reports count."""
    async with transaction(settings) as tx:
        p = await tx.person(args.id)
        if p is None:
            return fail(t("no person with id {id} (see `prasan people list`)", id=args.id))
        active = t("active") if p.active else t("deactivated")
        lines = [
            t("person {id}: {name}", id=p.id, name=p.name),
            t("role: {role}   language: {language}   {active}", role=p.role,
              language=p.language, active=active),
            t("scope: {scope}", scope=await _scope_text(tx, p.id) or "-"),
            t("last seen: {when}", when=_when(await tx.last_seen(p.id), settings)),
            t("reports: {n}", n=number(await tx.report_count(p.id))),
            t("identities:"),
        ]  # fmt: skip
        for i in await tx.all_identities_of(p.id):
            locked = i.locked_until is not None and i.locked_until > tx.now()
            state = t("active") if i.active else t("blocked the bot")
            if locked:
                state = t("{state}, codes locked until {when}", state=state,
                          when=_when(i.locked_until, settings))  # fmt: skip
            lines.append(t("  identity {id}: {channel} ({state})", id=i.id, channel=i.channel,
                           state=state))  # fmt: skip
    print("\n".join(lines))
    return 0


async def people_set(args: argparse.Namespace, settings: Settings) -> int:
    """Change role, scope and/or name; written to the audit log with the scope before/after."""
    wants_scope = bool(args.area or args.district or args.province or args.all)
    if not (args.role or wants_scope or args.name):
        return fail(t("give --role R, --area CODE..., --district NAME, --province NAME, --all "
                      "or --name NAME"))  # fmt: skip
    async with transaction(settings) as tx:
        try:
            scope = await scope_from_args(tx, args) if wants_scope else None
            change = await access.change_access(tx, actor(), args.id, role=args.role,
                                                scope=scope, name=args.name)  # fmt: skip
        except ScopeError as exc:
            return fail(str(exc))
        except access.AccessError as exc:
            return fail(t(REFUSALS[exc.reason]))
    print(t("person {id}: {role_before} → {role_after}; scope {scope_before} → {scope_after}",
            id=args.id, role_before=change["role_before"], role_after=change["role_after"],
            scope_before=" ".join(change["scope_before"]) or "-",
            scope_after=" ".join(change["scope_after"])))  # fmt: skip
    return 0


async def _activity(args: argparse.Namespace, settings: Settings, active: bool) -> int:
    async with transaction(settings) as tx:
        try:
            changed = await access.set_active(tx, actor(), args.id, active)
        except access.AccessError as exc:
            return fail(t(REFUSALS[exc.reason]))
    said = {
        (True, True): t("person {id} reactivated", id=args.id),
        (True, False): t("person {id} was already reactivated", id=args.id),
        (False, True): t("person {id} deactivated", id=args.id),
        (False, False): t("person {id} was already deactivated", id=args.id),
    }
    print(said[(active, bool(changed))])
    return 0


async def people_deactivate(args: argparse.Namespace, settings: Settings) -> int:
    """Deactivate: the unregistered reply and no proactive message; reports stay."""
    return await _activity(args, settings, False)


async def people_reactivate(args: argparse.Namespace, settings: Settings) -> int:
    """Reactivate a deactivated person."""
    return await _activity(args, settings, True)


async def invites_list(args: argparse.Namespace, settings: Settings) -> int:
    """Invites as CSV (never the codes: only their keyed hashes are stored)."""
    out = csv.writer(sys.stdout)
    out.writerow(["id", "status", "role", "name", "scope", "created", "expires"])
    async with transaction(settings) as tx:
        now = tx.now()
        for inv in await tx.list_invites(include_done=args.all):
            if inv.person_id is not None:
                scope = f"links a chat app to person {inv.person_id}"
            else:
                places = await tx.places(inv.scope)
                scope = " ".join(access.scope_labels(places))
            out.writerow([inv.id, inv.status(now), inv.role, inv.name or "", scope,
                          _when(inv.created_at, settings), _when(inv.expires_at, settings)])  # fmt: skip
    return 0


async def invites_revoke(args: argparse.Namespace, settings: Settings) -> int:
    """Revoke an unused invite code by its id."""
    async with transaction(settings) as tx:
        done = await access.revoke_invite(tx, actor(), args.id)
    if not done:
        return fail(t("invite {id} does not exist or was already used or revoked "
                      "(see `prasan invites list --all`)", id=args.id))  # fmt: skip
    print(t("invite {id} revoked: the code no longer works", id=args.id))
    return 0


async def identities_unlock(args: argparse.Namespace, settings: Settings) -> int:
    """Lift the wrong-code lockout of one chat identity."""
    async with transaction(settings) as tx:
        done = await access.unlock_identity(tx, actor(), args.id)
    if not done:
        return fail(t("no identity with id {id} (see `prasan people show ID`)", id=args.id))
    print(t("identity {id} unlocked: it may send invite codes again", id=args.id))
    return 0


async def audit_list(args: argparse.Namespace, settings: Settings) -> int:
    """The audit log, oldest first, one entry a line."""
    since = None
    if args.since:
        day = read_cli_date(args.since, "--since")
        if day is None:
            return fail(
                t("--since expects a date as YYYY-MM-DD, e.g. 2026-11-01 or 2569-11-01 (BE)")
            )
        since = datetime(day.year, day.month, day.day, tzinfo=settings.timezone)
    if args.action and args.action not in {a.value for a in AuditAction}:
        return fail(t("unknown --action; one of: {actions}",
                      actions=", ".join(a.value for a in AuditAction)))  # fmt: skip
    async with transaction(settings) as tx:
        entries = await audit_entries(tx, since=since, actor=args.actor, action=args.action)
    for e in entries:
        detail = json.dumps(e.detail, ensure_ascii=False, sort_keys=True, default=str)
        print(f"{_when(e.at, settings)}\t{e.actor}\t{e.action}\t{detail}")
    return 0
