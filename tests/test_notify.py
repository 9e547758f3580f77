"""notify: one notice per key, to the app the person used last (or chose), in their language."""

from __future__ import annotations

from sqlalchemy import update

from bot.i18n import translator
from bot.messages import Outgoing, load_messages
from bot.notify import NotifyResult, notify
from bot.runtime import Runtime
from storage.schema import people
from tests.helpers import Chat, make_invite


def hello(t):  # type: ignore[no-untyped-def]
    return [Outgoing(t("There is nothing to cancel."))]


async def two_app_person(runtime: Runtime) -> int:
    """A coordinator registered on LINE who then linked Telegram too; returns the person id."""
    code = await make_invite(runtime.store, areas=("PTN01",))
    line = Chat(runtime, "line", "U-line")
    await line.send(code)
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", "U-line")
        assert ident is not None and ident.person_id is not None
        pid = ident.person_id
        tg = await tx.ensure_identity("telegram", "777")
        await tx.update_identity(tg.id, person_id=pid)
    return pid


async def queued_for(runtime: Runtime, key: str) -> list[dict]:  # type: ignore[type-arg]
    async with runtime.store.tx() as tx:
        return [r for r in await tx.outbox_rows() if r["dedupe_key"] == key]


async def test_goes_once_per_key_to_the_app_used_last_in_the_persons_language(
    runtime: Runtime,
) -> None:
    pid = await two_app_person(runtime)
    await Chat(runtime, "telegram", "777").send("เมนู")  # Telegram is now the app used last
    async with runtime.store.tx() as tx:
        assert await notify(tx, pid, hello, f"test:{pid}:1", tag="test") == NotifyResult.QUEUED
        assert await notify(tx, pid, hello, f"test:{pid}:1") == NotifyResult.DUPLICATE
    rows = await queued_for(runtime, f"test:{pid}:1")
    assert [(r["channel"], r["recipient"], r["person_id"], r["tag"]) for r in rows] == [
        ("telegram", "777", pid, "test")
    ]
    thai = translator("th")("There is nothing to cancel.")
    assert thai != "There is nothing to cancel."
    assert load_messages(rows[0]["payload"])[0].text == thai

    async with runtime.store.tx() as tx:
        await tx.set_language(pid, "en")
        await notify(tx, pid, hello, f"test:{pid}:2")
    rows = await queued_for(runtime, f"test:{pid}:2")
    assert load_messages(rows[0]["payload"])[0].text == "There is nothing to cancel."


async def test_a_chosen_app_wins_and_the_used_one_follows_the_person(runtime: Runtime) -> None:
    pid = await two_app_person(runtime)
    async with runtime.store.tx() as tx:
        await notify(tx, pid, hello, "k1")  # LINE: the only app used so far
        await tx.conn.execute(
            update(people).where(people.c.id == pid).values(preferred_channel="telegram")
        )
        await notify(tx, pid, hello, "k2")
    assert (await queued_for(runtime, "k1"))[0]["channel"] == "line"
    assert (await queued_for(runtime, "k2"))[0]["channel"] == "telegram"


async def test_blocked_and_deactivated_people_get_nothing(runtime: Runtime) -> None:
    pid = await two_app_person(runtime)
    async with runtime.store.tx() as tx:
        await tx.block_recipient("line", "U-line")
        assert await notify(tx, pid, hello, "a") == NotifyResult.QUEUED  # Telegram remains
        await tx.block_recipient("telegram", "777")
        assert await notify(tx, pid, hello, "b") == NotifyResult.UNREACHABLE
        await tx.conn.execute(update(people).where(people.c.id == pid).values(active=False))
        assert await notify(tx, pid, hello, "c") == NotifyResult.INACTIVE
        assert await notify(tx, 999_999, hello, "d") == NotifyResult.INACTIVE
    assert [r["channel"] for r in await queued_for(runtime, "a")] == ["telegram"]
    assert await queued_for(runtime, "b") == [] and await queued_for(runtime, "c") == []
