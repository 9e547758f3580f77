"""The authorisation matrix: every menu item, command and action button × every role and an
unregistered person × in scope / out of scope, checked from the replies and the database.

Button data can be forged, so each press is sent as raw data, whatever the person's own
menu offers. A problem report in Yala (ยะลา) is the out-of-scope object for a coordinator and a
supervisor of Pattani (ปัตตานี); the admin's scope is everything. Every press must get an answer,
and none may show the Yala report's text or change it unless the presser's scope covers it.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from bot.runtime import Runtime
from handlers import actions, menu
from storage.schema import invites, people, person_scopes, reports
from tests.helpers import Chat, make_invite

SECRET_TEXT = "ข้อมูลลับเฉพาะพื้นที่ยะลา สะพานบ้านบันนังสตาชำรุด"
BUSINESS = (reports, people, person_scopes, invites)
COMMANDS = ["/start", "/help", "/menu", "/cancel", "/language", "/report", "/problem", "#1"]


async def _counts(runtime: Runtime) -> dict[str, int]:
    async with runtime.store.tx() as tx:
        return {t.name: int(await tx.conn.scalar(select(func.count()).select_from(t)) or 0)
                for t in BUSINESS}  # fmt: skip


async def _yala_report(runtime: Runtime) -> dict[str, Any]:
    async with runtime.store.tx() as tx:
        row = (
            await tx.conn.execute(select(reports).where(reports.c.raw_text == SECRET_TEXT))
        ).one()
        return dict(row._mapping)


async def _setup(runtime: Runtime, channel: str) -> tuple[dict[str, Chat], int]:
    """People of every role (and a stranger), and a problem report in Yala."""
    async with runtime.store.tx() as tx:
        area = await tx.area_by_code("YLA01")
        assert area is not None
        pid = await tx.create_person("ฟาตีมะห์ ทดสอบ", "coordinator", [["area", area.id]])
        report_id = await tx.insert_report(
            kind="obstacle", person_id=pid, area_id=area.id, raw_text=SECRET_TEXT,
            norm_text=SECRET_TEXT, tokens=[], category="infrastructure", severity="high",
            status="open", channel=channel, search_text=SECRET_TEXT,
        )  # fmt: skip
        pattani = await tx.find_province("ปัตตานี")
    chats = {}
    for role, kw in (
        ("coordinator", {"areas": ("PTN01",)}),
        ("supervisor", {"role": "supervisor", "scope": [["province", pattani]]}),
        ("admin", {"role": "admin", "scope": [["all", None]]}),
    ):
        chat = Chat(runtime, channel, f"{channel}-{role}")
        await chat.send(await make_invite(runtime.store, **kw))  # type: ignore[arg-type]
        assert chat.labels, f"{role} registered"
        chats[role] = chat
    chats["stranger"] = Chat(runtime, channel, f"{channel}-stranger")
    return chats, report_id


def _presses(report_id: int) -> list[str]:
    """Every menu item of every role, and every action with in- and out-of-scope arguments."""
    data = sorted({d for items in menu.ITEMS_BY_ROLE.values() for d, _ in items})
    verbs = ["view", "ack", "work", "done", "ref", "reopen", "add", f"dup:{report_id}", "x"]
    for prefix in sorted(actions.ACTIONS):
        data += [f"{prefix}:{report_id}:{v}" for v in verbs]
        data += [prefix, f"{prefix}:{report_id}", f"{prefix}:999999:view", f"{prefix}:-1:ack"]
    return data


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_forged_presses_and_commands_never_cross_scope(
    runtime: Runtime, channel: str
) -> None:
    chats, report_id = await _setup(runtime, channel)
    presses = [("data", d) for d in _presses(report_id)] + [("text", c) for c in COMMANDS]
    presses.append(("text", f"#{report_id}"))  # a typed ticket number
    before = await _yala_report(runtime)
    for role, chat in chats.items():
        sees_yala = role == "admin"
        for kind, value in presses:
            counts = await _counts(runtime)
            replies = await chat.send(**{kind: value})
            text = "\n".join(r.text for r in replies)
            assert text.strip(), f"{role} pressed {value!r}: no answer"
            if role == "stranger":
                assert "รหัสเชิญ" in text, f"a stranger got more than the invite prompt: {value!r}"
            if not sees_yala:
                assert SECRET_TEXT not in text, f"{role} saw the Yala report via {value!r}"
                assert "บ้านบันนังสตา" not in text, f"{role} saw a Yala area via {value!r}"
                assert await _yala_report(runtime) == before, f"{role} changed it via {value!r}"
                assert await _counts(runtime) == counts, f"{role} wrote via {value!r}"
            await chat.send("ยกเลิก")  # leave whatever flow the press opened
    # In scope: the admin can open the Yala report.
    admin = chats["admin"]
    await admin.send(data=f"ticket:{report_id}:view")
    assert SECRET_TEXT[:20] in admin.text
