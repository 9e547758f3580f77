"""Invite codes: keyed hashes (old hashes keep working), per-code lockout, honest lockout
messages, and a registered person switching role with a new code — as LINE and Telegram users."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from bot.clock import MovableClock
from bot.config import Settings
from bot.invites import ALPHABET, KEY_NAME
from bot.runtime import Runtime
from storage.audit import audit_entries
from storage.db import make_engine, upgrade
from storage.schema import invites, person_scopes, settings_kv
from tests.helpers import Chat, make_invite

CHANNELS = ["line", "telegram"]


def one_off(code: str, position: int) -> str:
    """The code with one character changed (a near miss)."""
    raw = code.replace("-", "")
    other = next(c for c in ALPHABET if c != raw[position])
    raw = raw[:position] + other + raw[position + 1 :]
    return f"{raw[:5]}-{raw[5:]}"


async def test_stored_hash_is_keyed_not_plain_sha256(runtime: Runtime) -> None:
    code = await make_invite(runtime.store)
    async with runtime.store.tx() as tx:
        stored = (await tx.conn.execute(select(invites.c.code_hash))).scalar_one()
        key = (
            await tx.conn.execute(select(settings_kv.c.value).where(settings_kv.c.key == KEY_NAME))
        ).scalar_one()
    plain = hashlib.sha256(code.replace("-", "").encode()).hexdigest()
    assert stored != plain and len(bytes.fromhex(key)) == 32
    chat = Chat(runtime, "line", "U-new")
    await chat.send(code.lower().replace("-", " "))  # typed any way, it still matches
    assert "ยินดีต้อนรับ" in chat.text


@pytest.mark.empty_database
async def test_codes_hashed_before_the_keyed_hash_still_work(settings: Settings) -> None:
    engine = make_engine(settings.DATABASE_URL)
    await upgrade(engine, "0011_photo_fetches")  # the schema before keyed hashes
    plain = hashlib.sha256(b"K7MQ4XPD9R").hexdigest()
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO invites (code_hash, role, name, scope, created_at, "
                                "expires_at) VALUES (:h, 'admin', 'เก่า', '[[\"all\", null]]', "
                                "'2026-11-01 00:00:00', '2999-01-01 00:00:00')"), {"h": plain})  # fmt: skip
    await engine.dispose()
    rt = await Runtime.create(settings)  # migrates to head: re-keys the old hash
    try:
        async with rt.store.tx() as tx:
            stored = (await tx.conn.execute(select(invites.c.code_hash))).scalar_one()
        assert stored != plain
        chat = Chat(rt, "telegram", "42")
        await chat.send("K7MQ4-XPD9R")
        assert "ยินดีต้อนรับค่ะ คุณเก่า" in chat.text
    finally:
        await rt.close()


@pytest.mark.parametrize("channel", CHANNELS)
async def test_near_misses_from_three_chats_lock_the_code(runtime: Runtime, channel: str) -> None:
    code = await make_invite(runtime.store, name="ตัวจริง")
    for n in range(3):
        guess = Chat(runtime, channel, f"U-guess-{n}")
        await guess.send(one_off(code, n))
        assert "ไม่รู้จักรหัสนี้" in guess.text or "ลองใหม่" in guess.text
    owner = Chat(runtime, channel, "U-owner")
    await owner.send(code)
    assert "🔒" in owner.text and "ขอรหัสใหม่" in owner.text and "ใช้ในแชตนี้ได้ทันที" in owner.text
    async with runtime.store.tx() as tx:
        locked = await audit_entries(tx, action="invite_locked")
        ident = await tx.identity(channel, "U-owner")
    assert len(locked) == 1 and locked[0].detail["chats"] == 3
    assert ident is not None and ident.failed_codes == 0 and ident.locked_until is None
    fresh = await make_invite(runtime.store, name="ตัวจริง")
    await owner.send(fresh)  # the chat itself was never locked: a new code works at once
    assert "ยินดีต้อนรับค่ะ คุณตัวจริง" in owner.text


async def test_one_person_mistyping_does_not_lock_their_code(runtime: Runtime) -> None:
    code = await make_invite(runtime.store, name="พิมพ์ผิด")
    chat = Chat(runtime, "line", "U-typo")
    for n in range(3):
        await chat.send(one_off(code, n))
    await chat.send(code)
    assert "ยินดีต้อนรับค่ะ คุณพิมพ์ผิด" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_lockout_says_what_still_works_and_ends(runtime: Runtime, channel: str) -> None:
    clock = MovableClock(datetime(2026, 11, 30, 3, 0, tzinfo=UTC))
    runtime.store.clock = clock
    chat = Chat(runtime, channel, "U-locked")
    for _ in range(5):
        await chat.send("ZZZZZ-ZZZ22")
    assert "จะไม่ตรวจรหัสใด ๆ จากแชตนี้จนถึง 30 พ.ย. 2569 11.00 น." in chat.text
    code = await make_invite(runtime.store, name="รอก่อน")
    await chat.send(code)
    assert "แม้เป็นรหัสใหม่" in chat.text  # true: the right code waits too
    clock.advance(timedelta(minutes=61))
    await chat.send(code)
    assert "ยินดีต้อนรับค่ะ คุณรอก่อน" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_registered_person_switches_role_with_a_new_code(runtime: Runtime,
                                                               channel: str) -> None:  # fmt: skip
    chat = Chat(runtime, channel, "U-coord")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",), name="ย้ายงาน"))
    sup = await make_invite(runtime.store, role="supervisor", scope=None, areas=("YLA01",))
    await chat.send(sup)
    assert "บ้านบันนังสตา" in chat.text and "ใช้รหัสนี้" in chat.text
    assert chat.labels == ["✅ ใช่ ใช้รหัสนี้", "✖️ ยกเลิก"]
    await chat.send("ใช่ ใช้รหัสนี้")  # the typed label works like the button
    assert "✅ เรียบร้อยค่ะ" in chat.text and "บ้านบันนังสตา" in chat.text
    async with runtime.store.tx() as tx:
        ident = await tx.identity(channel, "U-coord")
        assert ident is not None and ident.person_id is not None
        person = await tx.person(ident.person_id)
        scope = (await tx.conn.execute(select(person_scopes.c.scope, person_scopes.c.ref_id)
                 .where(person_scopes.c.person_id == ident.person_id))).all()  # fmt: skip
        switched = await audit_entries(tx, action="invite_switch")
        changed = await audit_entries(tx, action="role_changed")
    assert person is not None and person.role == "supervisor" and len(scope) == 1
    assert switched[0].actor == f"person:{ident.person_id}"
    assert changed[0].detail["scope_before"] == ["area:PTN01"]
    assert changed[0].detail["scope_after"] == ["area:YLA01"]
    await chat.send(sup)  # used now: said plainly, and counted as a wrong code
    assert "หมดอายุหรือมีผู้ใช้ไปแล้ว" in chat.text


@pytest.mark.parametrize("channel", CHANNELS)
async def test_code_during_a_report_keeps_the_draft(runtime: Runtime, channel: str) -> None:
    chat = Chat(runtime, channel, "U-busy")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    await chat.press("แจ้งปัญหา")
    other = await make_invite(runtime.store, areas=("PTN02",))
    await chat.send(other)
    assert "ทำรายงานที่ค้างอยู่ให้เสร็จหรือยกเลิกก่อน" in chat.text
    await chat.send("ถนนเข้าหมู่บ้านขาด ชาวบ้านเดินทางลำบากมาก")
    async with runtime.store.tx() as tx:  # the report went on with the real text
        ident = await tx.identity(channel, "U-busy")
        assert ident is not None and ident.person_id is not None
        conv = await tx.conversation(ident.person_id)
    assert conv is not None and conv.flow == "obstacle" and "ถนน" in conv.data["text"]
    await chat.press("ยกเลิก")
    await chat.send(other)
    assert "ใช้รหัสนี้" in chat.text
    await chat.press("ยกเลิก")
    async with runtime.store.tx() as tx:
        assert (await tx.conn.execute(select(invites.c.used_at).where(invites.c.id == 2))
                ).scalar_one() is None  # fmt: skip


@pytest.mark.parametrize("channel", CHANNELS)
async def test_registered_chat_locked_for_codes_still_reports(runtime: Runtime,
                                                              channel: str) -> None:  # fmt: skip
    chat = Chat(runtime, channel, "U-reg")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    for _ in range(5):
        await chat.send("QQQQQ-QQQ22")
    assert "เมนูและการส่งรายงานของคุณใช้ได้ตามเดิม" in chat.text
    await chat.send("เมนู")
    assert "📝 ส่งความก้าวหน้า" in chat.labels
    await chat.send("ชาวบ้านเดือดร้อนเรื่องน้ำท่วมถนน")
    assert "เก็บข้อความไว้แล้ว" in chat.text and "📝 ความก้าวหน้า" in chat.labels


async def test_a_ten_letter_word_is_not_taken_for_a_code(runtime: Runtime) -> None:
    chat = Chat(runtime, "line", "U-word")
    await chat.send(await make_invite(runtime.store, areas=("PTN01",)))
    await chat.send("structures")  # code-sized and in the code alphabet, but a word
    assert "เก็บข้อความไว้แล้ว" in chat.text
    async with runtime.store.tx() as tx:
        ident = await tx.identity("line", "U-word")
        assert ident is not None and ident.failed_codes == 0
        assert await audit_entries(tx, action="invite_failed") == []
