"""Property-based fuzzing (hypothesis): both webhook parsers and every flow step take arbitrary
input — any Unicode with lone surrogates, huge texts, button data never offered or someone
else's, repeated and out-of-order events — without a crash, with a clear reply, and with the
person's next ordinary message still answered. Two people's events interleaved, buttons
pressed steps after they were shown (or by the other person), and the same event id twice:
each new event stored once with its reply, a repeat writes nothing, nobody's reports leak.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from linebot.v3.webhook import WebhookParser
from sqlalchemy import func, select
from telegram import Bot, Update

from bot.channels.line_parse import parse_event
from bot.channels.telegram_parse import parse_update
from bot.messages import Incoming, Outgoing, load_messages
from bot.runtime import Runtime
from handlers.context import MAX_TEXT
from storage.schema import areas, inbox, outbox, people, reports
from tests.fake_line import SECRET, sign
from tests.fake_telegram import TOKEN
from tests.helpers import Chat, make_invite

pytestmark = pytest.mark.slow

# Any code point, lone surrogates included (what a JSON escape can carry), short or huge.
TEXT = st.one_of(
    st.text(st.characters(codec=None, exclude_categories=()), max_size=60),
    st.text(alphabet="กขคงจ่้๊๋ัิีึืุู์ \n\u0e4d\u200b๑", max_size=40).map(lambda t: t * 300),
    st.just("\ud800"), st.just("x" * 20_000),
)  # fmt: skip
# Button data: what our buttons look like, with arguments nobody was offered.
DATA = st.one_of(
    st.text(max_size=80),
    st.tuples(st.sampled_from(["m", "area", "cat", "sev", "n", "edit", "kind", "remind",
                               "rsvp", "ticket", "a", "report", "broadcast"]),
              st.lists(st.text(max_size=12), max_size=3))
    .map(lambda t: ":".join([t[0], *t[1]])),
)  # fmt: skip
FUZZ = settings(max_examples=40, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])  # fmt: skip


@FUZZ
@given(texts=st.lists(TEXT, min_size=1, max_size=5), data=DATA)
def test_line_webhook_parser_never_fails_on_a_signed_body(texts: list[str], data: str) -> None:
    events: list[dict[str, Any]] = [
        {"type": "message", "mode": "active", "timestamp": 1763779200000,
         "webhookEventId": f"E{i}", "deliveryContext": {"isRedelivery": bool(i % 2)},
         "source": {"type": "user", "userId": "Ufuzz"}, "replyToken": "r",
         "message": {"id": str(i), "type": "text", "quoteToken": "q", "text": t}}
        for i, t in enumerate(texts)
    ]  # fmt: skip
    events.append({"type": "postback", "mode": "active", "timestamp": 1, "webhookEventId": "P",
                   "deliveryContext": {"isRedelivery": False},
                   "source": {"type": "user", "userId": "Ufuzz"}, "replyToken": "r",
                   "postback": {"data": data}})  # fmt: skip
    raw = json.dumps({"destination": "Ubot", "events": events})  # escapes what is not UTF-8
    parsed = WebhookParser(SECRET).parse(raw, sign(raw.encode()))
    for event in parsed:
        inc = parse_event(event)
        assert inc is not None
        inc.scrubbed().to_json().encode("utf-8")  # storable as it will be stored


@FUZZ
@given(text=TEXT, data=DATA, caption=st.one_of(st.none(), TEXT))
def test_telegram_update_parser_never_fails(text: str, data: str, caption: str | None) -> None:
    bot = Bot(TOKEN)
    user = {"id": 5, "is_bot": False, "first_name": text[:64] or "x"}
    chat = {"id": 5, "type": "private", "first_name": "x"}
    raw = [
        {"update_id": 1, "message": {"message_id": 1, "date": 1, "from": user, "chat": chat,
                                     "text": text}},
        {"update_id": 2, "message": {"message_id": 2, "date": 1, "from": user, "chat": chat,
                                     "caption": caption, "photo": [
                                         {"file_id": "f", "file_unique_id": "u", "width": 1,
                                          "height": 1}]}},
        {"update_id": 3, "callback_query": {"id": "c", "from": user, "chat_instance": "i",
                                            "data": data}},
    ]  # fmt: skip
    for body in raw:
        update = Update.de_json(json.loads(json.dumps(body)), bot)
        inc = parse_update(update)
        if inc is not None:
            inc.scrubbed().to_json().encode("utf-8")


async def _reports(runtime: Runtime) -> list[tuple[str, str]]:
    """(area code, text) of every stored report."""
    async with runtime.store.tx() as tx:
        rows = await tx.conn.execute(
            select(areas.c.code, reports.c.raw_text).join(areas, reports.c.area_id == areas.c.id)
        )
        return [(code, text) for code, text in rows.all()]


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_every_flow_step_answers_anything_and_the_next_message_still_works(
    runtime: Runtime, channel: str
) -> None:
    code = await make_invite(runtime.store, areas=("PTN01", "PTN02"))
    me = Chat(runtime, channel, f"{channel}-fuzz")
    await me.send(code)
    assert me.labels, "registered, with the main menu"
    menu = [b.data for m in me.last for b in m.buttons]

    @FUZZ
    @given(steps=st.lists(st.one_of(TEXT.map(lambda t: ("text", t)),
                                    DATA.map(lambda d: ("data", d)),
                                    st.sampled_from(menu).map(lambda d: ("data", d))),
                          min_size=1, max_size=6))  # fmt: skip
    def fuzz(steps: list[tuple[str, str]]) -> None:
        runner.append(steps)

    runner: list[list[tuple[str, str]]] = []
    fuzz()  # collect the examples hypothesis draws, then play them on this event loop
    for steps in runner:
        for kind, value in steps:
            inc: dict[str, Any] = {"text": value} if kind == "text" else {"data": value}
            replies = await me.send(**inc)
            assert replies, f"no answer to {kind}={value[:40]!r}"
            assert all(r.text.strip() for r in replies)
        await me.send("ยกเลิก")
        await me.send("/help")
        assert me.text.strip(), "the next ordinary message is answered"
    # Whatever was stored, forged data never put a report outside the person's areas, and no
    # report is empty or over the length the flow allows.
    for area, text in await _reports(runtime):
        assert area in ("PTN01", "PTN02")
        assert text.strip() and len(text) <= MAX_TEXT


# ---- out of order, repeated, interleaved ---------------------------------------------------

# One step of two people writing at once: who, and what — a text, a button they were shown
# at any earlier step (pressed out of order), a button the *other* one was shown, or the
# very same event again (same event id: a webhook redelivery).
STEP = st.tuples(
    st.sampled_from([0, 1]),
    st.one_of(
        TEXT.map(lambda t: ("text", t)),
        st.integers(0, 10_000).map(lambda i: ("seen", i)),
        st.integers(0, 10_000).map(lambda i: ("other", i)),
        st.just(("again", 0)),
    ),
)
APOLOGY = ("รหัสข้อผิดพลาด", "error code")


async def _counts(runtime: Runtime) -> tuple[int, int]:
    async with runtime.store.tx() as tx:
        events = await tx.conn.scalar(select(func.count()).select_from(inbox))
        rows = await tx.conn.scalar(select(func.count()).select_from(outbox))
    return int(events or 0), int(rows or 0)


async def _replies(runtime: Runtime, ids: list[int]) -> list[Outgoing]:
    async with runtime.store.tx() as tx:
        got = await tx.conn.execute(select(outbox.c.payload).where(outbox.c.id.in_(ids)))
        return [m for (payload,) in got.all() for m in load_messages(payload)]


@pytest.mark.parametrize("channel", ["line", "telegram"])
async def test_out_of_order_repeated_and_interleaved_events_of_two_people(
    runtime: Runtime, channel: str
) -> None:
    scopes = (("PTN01", "PTN02"), ("YLA01",))
    users = [f"{channel}-early-{i}" for i in range(2)]
    shown: list[list[str]] = [[], []]  # every button data each person was ever offered
    for who, scope in enumerate(scopes):
        welcome = await Chat(runtime, channel, users[who]).send(
            await make_invite(runtime.store, areas=scope)
        )
        shown[who] += [b.data for m in welcome for b in m.buttons]
    last: list[Incoming | None] = [None, None]

    @FUZZ
    @given(steps=st.lists(STEP, min_size=1, max_size=10))
    def fuzz(steps: list[tuple[int, tuple[str, Any]]]) -> None:
        runner.append(steps)

    runner: list[list[tuple[int, tuple[str, Any]]]] = []
    fuzz()  # collect the examples hypothesis draws, then play them on this event loop
    for steps in runner:
        for who, (kind, value) in steps:
            before = await _counts(runtime)
            if kind == "again" and last[who] is not None:
                again = last[who]
                assert again is not None
                # The same event twice: stored once, answered once, nothing written again.
                assert await runtime.inbound.receive(again) == []
                assert await _counts(runtime) == before
                continue
            pool = shown[who] if kind == "seen" else shown[1 - who]
            if kind in ("seen", "other") and pool:
                content: dict[str, Any] = {"data": pool[value % len(pool)]}
            else:
                content = {"text": value if isinstance(value, str) else "สวัสดี"}
            inc = Incoming(channel=channel, user_id=users[who], event_id=uuid.uuid4().hex,
                           **content)  # fmt: skip
            last[who] = inc
            replies = await _replies(runtime, await runtime.inbound.receive(inc))
            assert replies and all(r.text.strip() for r in replies), (kind, str(value)[:40])
            events, rows = await _counts(runtime)  # the event once, and its reply
            assert events == before[0] + 1 and rows >= before[1] + 1
            assert not any(a in r.text for r in replies for a in APOLOGY), "a step crashed"
            shown[who] += [b.data for r in replies for b in r.buttons]
        for user in users:  # both can always get out and on
            me = Chat(runtime, channel, user)
            await me.send("ยกเลิก")
            assert (await me.send("/help")) and me.text.strip()
    # Whatever was stored is whole and each person's own: a report in their areas only, with
    # its text; a pressed button of the other person's never wrote into their reports.
    async with runtime.store.tx() as tx:
        got = await tx.conn.execute(
            select(people.c.id, areas.c.code, reports.c.raw_text, reports.c.kind)
            .join(reports, reports.c.person_id == people.c.id)
            .join(areas, reports.c.area_id == areas.c.id)
        )  # fmt: skip
        stored = got.all()
        scope_of: dict[int, tuple[str, ...]] = {}
        for user, scope in zip(users, scopes, strict=True):
            _identity, person = await tx.identity_and_person(channel, user)
            assert person is not None
            scope_of[person.id] = scope
    for person, area, text, kind in stored:
        assert area in scope_of.get(person, ()), (person, area)
        assert text.strip() and len(text) <= MAX_TEXT and kind in ("progress", "obstacle")
