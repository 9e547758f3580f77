"""No report text, names, tokens or secrets in the logs — exception messages included."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import text

from bot import logsafe
from bot.channels.line import WEBHOOK_PATH
from bot.channels.line import start_channel as start_line
from bot.channels.telegram import start_channel as start_telegram
from bot.channels.telegram_transport import Pacer
from bot.runtime import Runtime
from bot.web import build_app
from tests import fake_line as fl
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram, Person
from tests.helpers import Chat, make_invite

MARKER = "ลับเฉพาะมะพร้าวZQXMARK"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged, formatted exactly as `prasan run` formats it (logsafe.install)."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logsafe.SafeFormatter("%(levelname)s %(name)s: %(message)s"))
    handler.addFilter(logsafe.ExceptionArgsFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # stricter than production (INFO): nothing may leak even here
    logsafe.quiet_leaky_loggers()  # as logsafe.install does for every prasan command
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


async def test_a_database_error_while_storing_a_report_logs_no_report_text(
    runtime: Runtime, captured: io.StringIO
) -> None:
    chat = Chat(runtime, "line", "U-coord")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    async with runtime.store.tx() as tx:  # a real database error, raised by the database itself
        if runtime.store.dialect == "sqlite":
            await tx.conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON reports "
                                       "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"))  # fmt: skip
        else:
            await tx.conn.execute(text(
                "CREATE FUNCTION boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "RAISE EXCEPTION 'disk trouble' USING ERRCODE = '23000'; END $$"))  # fmt: skip
            await tx.conn.execute(text("CREATE TRIGGER boom BEFORE INSERT ON reports "
                                       "FOR EACH ROW EXECUTE FUNCTION boom()"))  # fmt: skip
    await chat.press("ส่งความก้าวหน้า")  # one area: straight to "what happened?"
    await chat.send(f"จัดเวทีรับฟังปัญหา {MARKER} มีผู้เข้าร่วม 12 คน")
    await chat.press("ใช่")  # about 12 participants
    await chat.press("ข้าม")  # no photo or location
    assert "กรุณาตรวจสอบ" in chat.text
    await chat.press("ส่ง")
    assert "ขออภัย" in chat.text and "รหัสข้อผิดพลาด" in chat.text
    code = chat.text.split("รหัสข้อผิดพลาด ", 1)[1].split(")", 1)[0]
    logs = captured.getvalue()
    assert f"code={code}" in logs and "IntegrityError" in logs  # the failure is logged…
    assert MARKER not in logs and "ZQXMARK" not in logs.upper()  # …without the report text
    assert "มะพร้าว" not in logs


async def test_a_full_scenario_logs_no_secret_token_or_report_text(
    runtime: Runtime, captured: io.StringIO
) -> None:
    tg, line_api = await FakeTelegram().start(), await FakeLine().start()
    runtime.settings = runtime.settings.model_copy(update={
        "TELEGRAM_BOT_TOKEN": SecretStr(tg.token), "TELEGRAM_API_URL": tg.api_url,
        "TELEGRAM_FILE_URL": tg.file_url,
        "LINE_CHANNEL_SECRET": SecretStr(fl.SECRET),
        "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(fl.TOKEN),
        "LINE_API_URL": line_api.api_url, "LINE_DATA_API_URL": line_api.data_url,
    })  # fmt: skip
    telegram = await start_telegram(runtime, True)
    telegram.pacer = Pacer(per_chat=1000)
    line = await start_line(runtime, True)
    for channel in (telegram, line):
        runtime.add_channel(channel)
        runtime.services.append(channel)
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    base = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    texts = ["ชาวบ้านบางปูประชุมเรื่องถนน ZQXALPHA มีผู้เข้าร่วม 25 คน",
             "งบประมาณเวทีครั้งหน้ายังไม่อนุมัติ ZQXBRAVO ชาวบ้านกังวลมาก"]  # fmt: skip
    try:
        async with aiohttp.ClientSession() as session:

            async def line_says(user: str, what: str, data: bool = False) -> None:
                token = line_api.reply_token(user)
                event = (fl.postback_event(user, what, token) if data
                         else fl.text_event(user, what, token))  # fmt: skip
                raw = fl.body(event)
                headers = {"X-Line-Signature": fl.sign(raw), "Content-Type": "application/json"}
                async with session.post(base + WEBHOOK_PATH, data=raw, headers=headers) as r:
                    assert r.status == 200
                await line.drain()

            await line_says("Ulog", await make_invite(runtime.store, name="ลับนามสกุลZQXNAME"))
            assert any("ZQXNAME" in t for t in line_api.texts("Ulog"))
            await line_says("Ulog", texts[0])
            for _ in range(6):  # answer the flow's questions with its first button
                buttons = line_api.quick_replies("Ulog")
                if not buttons:
                    break
                await line_says("Ulog", buttons[0]["data"], data=True)
            somsri = Person(777001)
            await tg.wait_confirmed(tg.push(tg.message(somsri, "/start " + await make_invite(
                runtime.store, name="ซ่อนชื่อZQXTG"))))  # fmt: skip
            await tg.wait_confirmed(tg.push(tg.message(somsri, texts[1])))
            for _ in range(6):
                sent = tg.chats[somsri.id][-1]
                if not sent.keyboard:
                    break
                await tg.wait_confirmed(tg.push(tg.callback(somsri, sent, sent.keyboard[0][0][1])))
    finally:
        await runner.cleanup()
        await tg.close()
        await line_api.close()
    async with runtime.store.tx() as tx:
        stored = (await tx.conn.execute(text("SELECT raw_text FROM reports"))).scalars().all()
    assert any("ZQXALPHA" in s for s in stored) and any("ZQXBRAVO" in s for s in stored)
    logs = captured.getvalue()
    assert "telegram polling started" in logs  # the run did log
    for secret in (tg.token, fl.SECRET, fl.TOKEN, *texts, "ZQXALPHA", "ZQXBRAVO", "ZQXNAME",
                   "ZQXTG", "ประชุมเรื่องถนน", "ยังไม่อนุมัติ"):  # fmt: skip
        assert secret not in logs, secret
