"""Thai search: same terms as storage, misspellings and Thai digits, ranking, paging, scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot import search_cli
from bot.cli import _parser
from bot.demo import load_demo
from bot.runtime import Runtime
from bot.search import search
from storage.db import make_engine
from storage.store import Store
from tests.helpers import Chat
from tests.search_support import add_report, person_id

T0 = datetime(2026, 11, 2, 3, 0, tzinfo=UTC)


async def ids(store: Store, query: str, who: str | None = None, since: datetime | None = None):  # type: ignore[no-untyped-def]
    pid = None if who is None else await person_id(store, who)
    async with store.tx() as tx:
        return [r.id for r in await search(tx, query, pid, since)]


async def test_misspellings_thai_digits_ranking_and_scope(db: Store) -> None:
    budget = await add_report(db, "งบประมาณกิจกรรมล่าช้า ยังไม่ได้รับการโอนเงิน", "PTN01", at=T0)
    road = await add_report(db, "ถนนเข้าหมู่ 5 ขาด ฝนตกหนัก รถเข้าไม่ได้", "PTN02",
                            at=T0 + timedelta(days=1))  # fmt: skip
    late = await add_report(db, "เงินงบประมาณมาช้า", "PTN01", at=T0 + timedelta(days=2))
    yala = await add_report(db, "งบประมาณล่าช้าเหมือนกัน", "YLA01", by="fatimah",
                            at=T0 + timedelta(days=3))  # fmt: skip

    # A misspelt query (ณ → น) still finds the correctly spelt reports, and the reverse.
    assert set(await ids(db, "งบประมาน")) == {budget, late, yala}
    # Thai digits are Arabic digits.
    assert await ids(db, "หมู่ ๕") == [road]
    # The report holding the whole phrase ranks first; equal matches are newest first.
    found = await ids(db, "งบประมาณล่าช้า")
    assert found[:2] == [yala, budget] and late in found
    assert await ids(db, "งบประมาณ") == [yala, late, budget]
    # Scope: the Pattani supervisor never sees the Yala report; a coordinator only their areas.
    assert yala not in await ids(db, "งบประมาณ", "arunee")
    assert await ids(db, "งบประมาณ", "fatimah") == [yala]
    assert set(await ids(db, "งบประมาณ", "admin")) == {budget, late, yala}
    # --since
    assert await ids(db, "งบประมาณ", since=T0 + timedelta(days=2)) == [yala, late]
    assert await ids(db, "คำที่ไม่มีในรายงานใดเลย") == []


@pytest.mark.empty_database
async def test_reports_stored_before_the_index_are_found_after_the_migration(
    database_url: str,
) -> None:
    from bot.config import load_settings
    from storage.db import upgrade

    url = load_settings(DATABASE_URL=database_url).DATABASE_URL
    engine = make_engine(url)
    await upgrade(engine, "0003_proactive_seams")
    await engine.dispose()
    store = await Store.open(url, migrate=False)
    await load_demo(store)
    pid = await person_id(store, "somchai")
    async with store.tx() as tx:  # a report as the previous version stored it (no search terms)
        area = await tx.area_by_code("PTN01")
        assert area is not None
        await tx.conn.execute(text(
            "INSERT INTO reports (kind, person_id, area_id, raw_text, norm_text, tokens, photos,"
            " status, channel, created_at) VALUES ('obstacle', :p, :a, :t, :t, '[]', '[]',"
            " 'open', 'console', :at)"), {"p": pid, "a": area.id, "t": "สะพานชำรุด", "at": T0})  # fmt: skip
    await store.close()
    store = await Store.open(url)  # migrates to head: the index is built for old reports
    try:
        assert len(await ids(store, "สะพาน")) == 1
    finally:
        await store.close()


async def test_search_in_chat_pages_ten_with_more_and_keeps_to_the_scope(
    runtime: Runtime,
) -> None:
    store = runtime.store
    mine = [
        await add_report(store, f"ปัญหาน้ำประปาไม่ไหล ครั้งที่ {n}", "PTN01", at=T0 + timedelta(hours=n))
        for n in range(12)
    ]
    other = await add_report(store, "ปัญหาน้ำประปาไม่ไหล", "YLA01", by="fatimah")
    chat = Chat(runtime, "console", "arunee")
    await chat.send("/search น้ำประปา")
    assert "12" in chat.text and f"#{mine[-1]}" in chat.text and f"#{other}" not in chat.text
    assert "#" + str(mine[1]) not in chat.text  # the two oldest are on page 2
    assert "พ.ย. 2569" in chat.text
    await chat.press("ดูเพิ่มเติม")
    assert f"#{mine[0]}" in chat.text and f"#{mine[1]}" in chat.text
    assert "ดูเพิ่มเติม" not in " ".join(chat.labels)
    # The menu button asks for the words first.
    await chat.send("เมนู")
    await chat.press("ค้นหารายงาน")
    await chat.send("น้ำประปา")
    assert f"#{mine[-1]}" in chat.text
    # Coordinators have no search; a forged More press is refused.
    coordinator = Chat(runtime, "console", "somchai")
    await coordinator.send("/search น้ำประปา")
    assert f"#{mine[0]}" not in coordinator.text
    await coordinator.send(data="search:1:00000000")
    async with store.tx() as tx:
        assert [d["detail"]["reason"] for d in await tx.audit_entries("denied")] == ["role"]


async def test_cli_search(runtime: Runtime, capsys: pytest.CaptureFixture[str]) -> None:
    store = runtime.store
    pattani = await add_report(store, "ไฟฟ้าดับทั้งหมู่บ้าน", "PTN01", at=T0)
    yala = await add_report(store, "ไฟฟ้าดับบ่อย", "YLA01", by="fatimah",
                            at=T0 + timedelta(days=5))  # fmt: skip
    arunee = await person_id(store, "arunee")

    async def cli(*argv: str) -> tuple[int, list[str]]:
        args = _parser().parse_args(["search", *argv])
        code = await search_cli.search_reports(args, runtime.settings)
        lines = capsys.readouterr().out.splitlines()
        return code, [line.split("\t")[0] for line in lines]

    assert await cli("ไฟฟ้าดับ") == (0, [f"#{yala}", f"#{pattani}"])
    assert await cli("ไฟฟ้าดับ", "--as", str(arunee)) == (0, [f"#{pattani}"])
    assert await cli("ไฟฟ้าดับ", "--since", "2569-11-05") == (0, [f"#{yala}"])
    assert await cli("ไฟฟ้าดับ", "--since", "2026-11-05") == (0, [f"#{yala}"])
    assert (await cli("ไฟฟ้าดับ", "--since", "yesterday"))[0] == 1
    assert (await cli("ไฟฟ้าดับ", "--as", "999999"))[0] == 1
