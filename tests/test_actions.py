"""Action buttons outside flows: dispatched before flows, role-checked, draft kept."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.i18n import translator
from bot.messages import Outgoing
from bot.runtime import Runtime
from handlers import actions
from handlers.context import Ctx
from tests.helpers import Chat, make_invite


@pytest.fixture
def probe() -> Iterator[list[tuple[str, ...]]]:
    """A test action `probe:…` for coordinators that records its arguments."""
    seen: list[tuple[str, ...]] = []

    @actions.action("probe", roles=("coordinator",))
    async def _probe(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
        if args and args[0] != "mine":
            return await actions.refuse(ctx, "scope")
        seen.append(args)
        return [ctx.say("probe ok")]

    yield seen
    del actions.ACTIONS["probe"]


async def person_chat(runtime: Runtime, role: str, user: str) -> Chat:
    code = await make_invite(runtime.store, role=role, areas=("PTN01",))
    chat = Chat(runtime, "telegram", user)
    await chat.send(code)
    return chat


async def test_an_action_runs_for_its_role_and_is_refused_and_audited_for_others(
    runtime: Runtime, probe: list[tuple[str, ...]]
) -> None:
    coordinator = await person_chat(runtime, "coordinator", "c1")
    await coordinator.send(data="probe:mine:PTN01")
    assert coordinator.text == "probe ok" and probe == [("mine", "PTN01")]

    supervisor = await person_chat(runtime, "supervisor", "s1")
    await supervisor.send(data="probe:mine")
    assert "probe ok" not in supervisor.text and supervisor.labels  # refused, menu shown
    await coordinator.send(data="probe:someone-else")  # forged scope
    assert "probe ok" not in coordinator.text
    async with runtime.store.tx() as tx:
        denied = await tx.audit_entries("denied")
    assert [(d["detail"]["reason"], d["detail"]["data"]) for d in denied] == [
        ("role", "probe:mine"),
        ("scope", "probe:someone-else"),
    ]
    assert probe == [("mine", "PTN01")]


async def test_a_press_mid_report_keeps_the_draft_and_says_how_to_go_on(
    runtime: Runtime, probe: list[tuple[str, ...]]
) -> None:
    chat = await person_chat(runtime, "coordinator", "c2")
    await chat.send("/report")
    await chat.send("จัดเวทีรับฟังปัญหาที่มัสยิด มีผู้เข้าร่วม 30 คน")
    question = list(chat.last)
    await chat.send(data="probe:mine")
    note = translator("th")(
        "You have a report in progress. Please finish it, or press Cancel to drop it."
    )
    assert [m.text for m in chat.last[:2]] == ["probe ok", note]
    assert chat.last[2:] == question  # the step it was on, asked again with its buttons
    async with runtime.store.tx() as tx:
        ident = await tx.identity("telegram", "c2")
        assert ident is not None and ident.person_id is not None
        conv = await tx.conversation(ident.person_id)
    assert conv is not None and "30 คน" in conv.data["text"]


async def test_unknown_or_oversized_data_is_not_an_action(runtime: Runtime) -> None:
    chat = await person_chat(runtime, "coordinator", "c3")
    await chat.send(data="nosuch:1")
    assert chat.labels  # "no longer active" with the menu, as before
    assert actions.parse("probe:" + "x" * 400) is None


def test_flow_prefixes_cannot_be_taken() -> None:
    for prefix in ("m", "area", "cat", "sev", "lang", "e"):
        with pytest.raises(ValueError):
            actions.action(prefix, roles=("admin",))
