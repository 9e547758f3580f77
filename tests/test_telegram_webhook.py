"""How updates reach the Telegram channel: the webhook (its secret, redelivery) and polling.

Through the real python-telegram-bot, against a fake Bot API server (tests/telegram_support.py).
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from bot.channels.telegram import SECRET_HEADER, SECRET_KEY, WEBHOOK_PATH
from storage.schema import inbox
from tests.telegram_support import SOMSRI, Harness, inbox_count

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.telegram_support import fake as fake
from tests.telegram_support import mode as mode
from tests.telegram_support import settings as settings
from tests.telegram_support import tg as tg

# --- the webhook: redelivery in both modes, the secret -------------------------------------


@pytest.mark.parametrize("mode", ["polling", "webhook"])
async def test_a_redelivered_update_is_handled_once(tg: Harness) -> None:
    phone = tg.phone()
    await tg.register(phone)
    update = tg.fake.message(SOMSRI, "/help")
    before = len(phone.chat)
    if tg.client is None:
        tg.fake.push(update)  # both copies arrive in one getUpdates batch
    else:
        await tg.deliver(update)
    await tg.deliver(update)
    assert len(phone.chat) == before + 1
    async with tg.runtime.store.tx() as tx:
        stored = await tx.conn.scalar(
            select(func.count())
            .select_from(inbox)
            .where(inbox.c.event_id == str(update["update_id"]))
        )
    assert stored == 1


@pytest.mark.parametrize("mode", ["webhook"])
async def test_webhook_refuses_a_wrong_secret_and_stores_nothing(tg: Harness) -> None:
    assert tg.client is not None and tg.channel.secret
    async with tg.runtime.store.tx() as tx:
        kept = await tx.kv_get(SECRET_KEY)
    assert kept == tg.channel.secret  # generated once, kept in the database
    assert tg.fake.webhook is not None
    assert tg.fake.webhook["secret_token"] == kept
    assert tg.fake.webhook["url"] == "https://prasan.example.org/webhooks/telegram"
    assert tg.fake.webhook["allowed_updates"] == ["message", "callback_query", "my_chat_member"]

    before = await inbox_count(tg.runtime)
    update = tg.fake.message(SOMSRI, "/start")
    for headers in ({}, {SECRET_HEADER: "wrong"}, {SECRET_HEADER: kept + "x"}):
        async with tg.client.post(WEBHOOK_PATH, json=update, headers=headers) as resp:
            assert resp.status == 403
    async with tg.client.post(WEBHOOK_PATH, data=b"{not json", headers={SECRET_HEADER: kept}) as r:
        assert r.status == 400
    await tg.channel.drain()
    assert await inbox_count(tg.runtime) == before
    assert tg.fake.called("sendMessage") == []


# --- polling: start-up, a refused getUpdates -----------------------------------------------


async def test_polling_start_up_clears_the_webhook_and_sets_the_command_menu(tg: Harness) -> None:
    await tg.fake.wait_for(lambda: bool(tg.fake.called("getUpdates")))
    assert tg.fake.called("deleteWebhook") and tg.fake.called("setWebhook") == []
    assert tg.fake.called("getUpdates")[0]["allowed_updates"] == [
        "message", "callback_query", "my_chat_member"]  # fmt: skip
    menus = {c.get("language_code"): c["commands"] for c in tg.fake.called("setMyCommands")}
    assert set(menus) == {"th", "en", "ms", None}
    assert [c["command"] for c in menus["en"]] == [
        "start", "report", "problem", "myreports", "search", "help", "language", "cancel"]  # fmt: skip
    assert menus[None] == menus["th"]  # the default is the programme's language
    assert menus["th"][1]["description"] == "📝 ส่งความก้าวหน้า"


async def test_polling_waits_out_a_refused_get_updates(tg: Harness) -> None:
    await tg.fake.wait_for(lambda: bool(tg.fake.called("getUpdates")))
    tg.fake.fail("getUpdates", 429, retry_after=1)  # the poll after the next update is refused
    loop = asyncio.get_running_loop()
    start = loop.time()
    phone = tg.phone()
    assert await phone.say("/start")  # answered; confirmed only by the poll a second later
    assert loop.time() - start >= 1
    assert await phone.say("/start")  # and polling goes on
