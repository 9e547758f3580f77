"""A tiny state-machine engine: each flow is a table of states to (ask, answer) steps.

`ask` returns the question (messages with buttons), or the name of the state to
skip to when there is nothing to ask (one area only, text already given).
`answer` reads the person's reply into the draft and returns the next state,
`Invalid(message)` to explain and ask again, or `Done(messages)` to finish.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from bot.messages import Outgoing
from handlers.context import Ctx

Draft = dict[str, Any]
RETURN_TO = "_return"


@dataclass(frozen=True)
class Invalid:
    """The reply did not fit this step; say what is expected, then ask again."""

    message: Outgoing


@dataclass(frozen=True)
class Done:
    """The flow is over; these are the last words."""

    messages: list[Outgoing]
    # True when the step already started another flow (its state must not be cleared).
    switched: bool = False


Ask = Callable[[Ctx, Draft], Awaitable[list[Outgoing] | str]]
Answer = Callable[[Ctx, Draft], Awaitable[str | Invalid | Done]]


@dataclass(frozen=True)
class Step:
    """One state of a flow."""

    ask: Ask
    answer: Answer


@dataclass(frozen=True)
class Flow:
    """A named table of steps with the state it starts in."""

    name: str
    first: str
    steps: dict[str, Step]
    # Steps that read photos themselves; at any other step a photo is kept for the report.
    photo_steps: frozenset[str] = frozenset()


def then(draft: Draft, default: str) -> str:
    """The next state: back to the summary when editing, else `default`."""
    return draft.pop(RETURN_TO, None) or default


async def enter(ctx: Ctx, flow: Flow, state: str, draft: Draft) -> list[Outgoing]:
    """Ask the question of `state`, following skips, and remember where we are."""
    assert ctx.person is not None
    for _ in range(len(flow.steps) + 1):
        asked = await flow.steps[state].ask(ctx, draft)
        if isinstance(asked, str):
            state = asked
            continue
        await ctx.tx.save_conversation(ctx.person.id, flow.name, state, draft)
        return asked
    raise RuntimeError(f"flow {flow.name} skips in a loop")


async def start(ctx: Ctx, flow: Flow, draft: Draft | None = None) -> list[Outgoing]:
    """Begin a flow at its first state."""
    return await enter(ctx, flow, flow.first, draft or {})


async def advance(ctx: Ctx, flow: Flow, state: str, draft: Draft) -> list[Outgoing]:
    """Feed the person's message to the current step and move on."""
    assert ctx.person is not None
    step = flow.steps.get(state)
    if step is None:  # a state from an older version of the flow: restart it rather than fail
        return await start(ctx, flow, draft)
    inc = ctx.inc
    if inc.kind == "photo" and inc.photo and state not in flow.photo_steps and flow.photo_steps:
        draft.setdefault("photos", []).append(f"{inc.channel}:{inc.photo}")
        await ctx.tx.save_conversation(ctx.person.id, flow.name, state, draft)
        asked = await step.ask(ctx, draft)
        kept = ctx.say(ctx.t("📷 Photo kept with your report."))
        return [kept, *(asked if isinstance(asked, list) else [])]
    result = await step.answer(ctx, draft)
    if isinstance(result, Done):
        if not result.switched:
            await ctx.tx.clear_conversation(ctx.person.id)
        return result.messages
    if isinstance(result, Invalid):
        # The step may still have kept something (a photo sent before the text).
        await ctx.tx.save_conversation(ctx.person.id, flow.name, state, draft)
        asked = await step.ask(ctx, draft)
        return [result.message, *(asked if isinstance(asked, list) else [])]
    return await enter(ctx, flow, result, draft)
