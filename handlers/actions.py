"""Buttons that carry data outside any flow: `remind:report:PTN01`, `rsvp:12:yes`, `ticket:7:ack`.

Such buttons sit on proactive messages (reminders, digests, notices) and can be
pressed hours later, in the middle of another report. The router dispatches them
here before flows; the draft in progress is kept. Button data can be forged by a
modified client, so each action checks the presser's role here and their scope
itself, and refuses politely (recorded in the audit log) when it does not fit.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.messages import Outgoing
from handlers.context import Ctx

log = logging.getLogger(__name__)

ActionFn = Callable[[Ctx, tuple[str, ...]], Awaitable[list[Outgoing]]]

# Prefixes the flows' own buttons use (menus, steps): an action must not shadow them.
RESERVED = frozenset({"m", "lang", "area", "cat", "sev", "e", "cancel"})
MAX_DATA = 300  # LINE's postback limit; longer data was never ours


@dataclass(frozen=True)
class Action:
    """A registered action: who may press it, and what it does."""

    prefix: str
    roles: frozenset[str]
    fn: ActionFn


ACTIONS: dict[str, Action] = {}


def action(prefix: str, *, roles: tuple[str, ...]) -> Callable[[ActionFn], ActionFn]:
    """Register `fn` for button data `prefix:arg…`, pressable by these roles."""
    if prefix in RESERVED or ":" in prefix:
        raise ValueError(f"action prefix {prefix!r} is reserved or malformed")

    def register(fn: ActionFn) -> ActionFn:
        ACTIONS[prefix] = Action(prefix, frozenset(roles), fn)
        return fn

    return register


def parse(data: str | None) -> tuple[Action, tuple[str, ...]] | None:
    """The registered action and its arguments for button data, if it is one."""
    if not data or len(data) > MAX_DATA:
        return None
    prefix, _, rest = data.partition(":")
    found = ACTIONS.get(prefix)
    if found is None:
        return None
    return found, tuple(rest.split(":")) if rest else ()


async def dispatch(ctx: Ctx) -> list[Outgoing] | None:
    """Run the action a pressed button names; None when the press is not an action."""
    parsed = parse(ctx.inc.data)
    if parsed is None or ctx.person is None:
        return None
    found, args = parsed
    if ctx.person.role not in found.roles:
        return await refuse(ctx, "role")
    return await found.fn(ctx, args)


async def refuse(ctx: Ctx, reason: str) -> list[Outgoing]:
    """Answer a press the person may not make, and record it (never the data's free text)."""
    from handlers import menu  # the menu module imports flows that may import actions

    assert ctx.person is not None
    data = ctx.inc.data or ""
    log.info("action refused person=%s prefix=%s reason=%s", ctx.person.id,
             data.partition(":")[0], reason)  # fmt: skip
    await ctx.tx.audit(
        f"person:{ctx.person.id}", "denied", data=data[:100], reason=reason, channel=ctx.inc.channel
    )
    return [await menu.main_menu(ctx, ctx.t("That option is not available to you."))]
