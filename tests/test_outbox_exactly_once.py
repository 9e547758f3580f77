"""Nothing twice on LINE: multicast groups and retry keys fixed before the first call, replies
that are never pushed after their token was used, leases taken back at start-up.

A "crash" here is the state a kill -9 leaves: the platform accepted a call, but the row was
never marked sent (still leased). The next sender (same instance) starts and sends again.
"""

from __future__ import annotations

import json
import time
from collections import Counter

from bot.clock import MovableClock
from bot.messages import Button, Incoming, Outgoing, dump_messages, load_messages
from bot.outbox import Sender
from bot.runtime import Runtime
from storage.queries_messaging import OutboxRow
from storage.store import Tx
from tests.fake_line import FakeLine
from tests.fake_telegram import FakeTelegram

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.outbox_support import clock as clock
from tests.outbox_support import later, people, queue, rows, statuses
from tests.outbox_support import wired as wired


class _DiesBeforeRecording(Sender):
    """A sender whose process dies right after each call the platform accepted, before the
    send is recorded: the state a kill -9 leaves at the worst moment."""

    def _ack(self, rows: list[OutboxRow]) -> None:
        return None


async def _sent_then_killed(runtime: Runtime, rows: list[OutboxRow] | None = None) -> None:
    """Send (a pass, or these leased rows), then die before the sends are recorded."""
    sender = _DiesBeforeRecording(runtime.store, runtime.channels,
                                  instance=runtime.sender.instance)  # fmt: skip
    if rows is None:
        for name in list(sender.channels):
            await sender._pass(name)
    else:
        await sender.deliver_now(rows)


def _restarted(runtime: Runtime) -> Sender:
    sender = Sender(runtime.store, runtime.channels, instance=runtime.sender.instance)
    runtime.sender = sender
    return sender


async def test_identical_messages_go_as_multicasts_of_at_most_500_each_with_its_own_key(
    wired: Runtime, fake_line: FakeLine
) -> None:
    members = await people(wired, "line", 1200)
    await queue(wired, members)
    other = await people(wired, "line", 1, start=5000)
    await queue(wired, other, text="ข้อความอื่น", key="solo")
    while await wired.sender.deliver():  # 1,000 rows a pass
        pass
    multicasts = fake_line.calls_to("/multicast")
    assert sorted(len(c.body["to"]) for c in multicasts) == [200, 500, 500]
    keys = [c.headers["X-Line-Retry-Key"] for c in multicasts]
    assert len(set(keys)) == 3
    (push,) = fake_line.calls_to("/push")
    assert push.body["to"] == other[0].user and push.headers.get("X-Line-Retry-Key")
    assert all(len(fake_line.texts(m.user)) == 1 for m in members)
    assert await statuses(wired) == {"sent": 1201}


async def test_a_crash_after_a_multicast_repeats_the_same_group_and_key_and_delivers_once(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    members = await people(wired, "line", 700)
    await queue(wired, members)
    await _sent_then_killed(wired)
    first = [(tuple(c.body["to"]), c.headers["X-Line-Retry-Key"])
             for c in fake_line.calls_to("/multicast")]  # fmt: skip
    sender = _restarted(wired)
    assert await sender.start() == 700  # its own leases, due now rather than in a minute
    await sender.deliver()
    again = [(tuple(c.body["to"]), c.headers["X-Line-Retry-Key"], c.status)
             for c in fake_line.calls_to("/multicast")[len(first):]]  # fmt: skip
    assert sorted((to, key) for to, key, _ in again) == sorted(first)
    assert {status for *_, status in again} == {409}
    assert all(len(fake_line.texts(m.user)) == 1 for m in members)
    assert await statuses(wired) == {"sent": 700}


async def test_a_push_repeated_after_a_crash_is_not_delivered_twice(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (member,) = await people(wired, "line", 1)
    await queue(wired, [member])
    await _sent_then_killed(wired)
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert [c.status for c in fake_line.calls_to("/push")] == [200, 409]
    assert len(fake_line.texts(member.user)) == 1


async def _reply_row(runtime: Runtime, user: str, token: str) -> int:
    async with runtime.store.tx() as tx:
        row = await tx.enqueue_row("line", user, dump_messages([Outgoing("ได้รับแล้วค่ะ")]),
                                   f"reply:line:{user}", reply_token=token, leased=True,
                                   leased_by=runtime.sender.instance)  # fmt: skip
    assert row is not None
    return row.id


async def test_a_reply_sent_before_a_crash_is_not_pushed_again_after_the_restart(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (member,) = await people(wired, "line", 1)
    await _reply_row(wired, member.user, fake_line.reply_token(member.user))
    await _sent_then_killed(wired, await _leased(wired))
    later(clock, 5)  # the restart takes a few seconds
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert len(fake_line.texts(member.user)) == 1  # once, by reply; never pushed
    assert fake_line.calls_to("/push") == []
    assert await statuses(wired) == {"sent": 1}


async def test_a_reply_never_attempted_before_a_crash_goes_once_by_reply(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (member,) = await people(wired, "line", 1)
    await _reply_row(wired, member.user, fake_line.reply_token(member.user))
    later(clock, 3)  # died right after committing the message, before sending its reply
    sender = _restarted(wired)
    assert await sender.start() == 1
    await sender.deliver()
    assert [c.path.rsplit("/", 1)[-1] for c in fake_line.calls] == ["reply"]
    assert len(fake_line.texts(member.user)) == 1


async def test_a_refused_reply_token_falls_back_to_one_push_even_across_a_crash(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (member,) = await people(wired, "line", 1)
    token = fake_line.reply_token(member.user)
    fake_line.expire(token)
    await _reply_row(wired, member.user, token)
    await _sent_then_killed(wired, await _leased(wired))
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    statuses_seen = Counter((c.path.rsplit("/", 1)[-1], c.status) for c in fake_line.calls)
    assert statuses_seen == {("reply", 400): 1, ("push", 200): 1, ("push", 409): 1}
    assert len(fake_line.texts(member.user)) == 1


async def test_leases_of_another_process_are_left_to_it(
    wired: Runtime, fake_line: FakeLine
) -> None:
    members = await people(wired, "line", 2)
    async with wired.store.tx() as tx:
        for m, who in zip(members, ("other-host:worker", wired.sender.instance), strict=True):
            await tx.enqueue_row("line", m.user, dump_messages([Outgoing("x")]),
                                 f"n:{m.user}", leased=True, leased_by=who)  # fmt: skip
    assert await _restarted(wired).start() == 1
    await wired.sender.deliver()
    assert [len(fake_line.texts(m.user)) for m in members] == [0, 1]


async def test_an_hours_old_reply_says_it_is_late(
    wired: Runtime, fake_tg: FakeTelegram, clock: MovableClock
) -> None:
    (member,) = await people(wired, "telegram", 1)
    async with wired.store.tx() as tx:
        await tx.enqueue_row("telegram", member.user, dump_messages([Outgoing("บันทึกแล้ว")]),
                             "reply:telegram:77", leased=False)  # fmt: skip
    later(clock, 3 * 3600)  # the platform was down for three hours
    await wired.sender.deliver()
    texts = [s.text for s in fake_tg.chats[int(member.user)]]
    assert len(texts) == 2 and texts[0].startswith("⏳") and texts[1] == "บันทึกแล้ว"
    assert "2569" in texts[0]  # the time of their message, in the Buddhist Era


async def _leased(runtime: Runtime) -> list[OutboxRow]:
    return [
        OutboxRow(
            r["id"],
            r["channel"],
            r["recipient"],
            r["payload"],
            r["dedupe_key"],
            r["retry_key"],
            r["reply_token"],
            r["attempts"],
            r["created_at"],
        )
        for r in await rows(runtime)
        if r["status"] == "sending"
    ]


async def test_a_token_refused_because_it_expired_is_not_mistaken_for_used(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    # The event waited 58 s before its reply was queued (a slow start): when the retry finds
    # the token refused, it may have expired rather than been used, so the reply is pushed.
    (member,) = await people(wired, "line", 1)
    token = fake_line.reply_token(member.user)
    event = Incoming("line", member.user, "สวัสดี", event_id="ev-slow", reply_token=token,
                     received_at=time.time() - 58)  # fmt: skip
    async with wired.store.tx() as tx:
        await tx.inbox_add("line", "ev-slow", event.to_json(), processed=True)
        await tx.enqueue_row("line", member.user, dump_messages([Outgoing("ได้รับแล้วค่ะ")]),
                             "reply:line:ev-slow", reply_token=token, leased=True,
                             leased_by=wired.sender.instance)  # fmt: skip
    fake_line.expire(token)
    later(clock, 3)
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert [(c.path.rsplit("/", 1)[-1], c.status) for c in fake_line.calls] == [
        ("reply", 400), ("push", 200)]  # fmt: skip
    assert len(fake_line.texts(member.user)) == 1


async def test_a_send_s_record_is_queued_as_its_call_returns_ahead_of_the_next_message(
    wired: Runtime, fake_line: FakeLine
) -> None:
    # Queued, not yet committed: whatever the writer runs next (the next message) commits
    # after it or with it, so a kill -9 can only catch a call in flight or the record of
    # the last few milliseconds.
    members = await people(wired, "line", 3)
    for m in members:
        await _reply_row(wired, m.user, fake_line.reply_token(m.user))
    await wired.sender.deliver_now(await _leased(wired))

    async def next_message(tx: Tx) -> dict[str, int]:
        return await tx.outbox_counts()

    assert await wired.store.run(next_message) == {"sent": 3}
    await wired.sender.flush()
    assert await statuses(wired) == {"sent": 3}


async def test_a_reply_retried_after_50_s_tries_its_token_first_and_is_not_pushed(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    # Sent by reply, killed before it was recorded, back 52 s later: the row is too old to
    # *start* a reply with its token, but the retry asks LINE with it before any push.
    (member,) = await people(wired, "line", 1)
    await _reply_row(wired, member.user, fake_line.reply_token(member.user))
    await _sent_then_killed(wired, await _leased(wired))
    later(clock, 52)
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert [(c.path.rsplit("/", 1)[-1], c.status) for c in fake_line.calls] == [
        ("reply", 200), ("reply", 400)]  # fmt: skip
    assert fake_line.refused_tokens == {"used": 1}
    assert len(fake_line.texts(member.user)) == 1
    assert await statuses(wired) == {"sent": 1}


async def test_the_window_a_reply_accepted_at_the_crash_and_retried_after_its_token_died(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    # The one LINE duplicate left (README, "Delivery guarantees"): LINE answers an expired and
    # a used token alike, so after the token's life the outcome is unknown, and the reply is
    # pushed rather than risk losing it.
    (member,) = await people(wired, "line", 1)
    token = fake_line.reply_token(member.user)
    await _reply_row(wired, member.user, token)
    await _sent_then_killed(wired, await _leased(wired))
    later(clock, 70)
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert [(c.path.rsplit("/", 1)[-1], c.status) for c in fake_line.calls] == [
        ("reply", 200), ("reply", 400), ("push", 200)]  # fmt: skip
    assert fake_line.delivered_by[member.user] == ["reply", "push"]


async def test_a_reply_never_sent_before_a_long_outage_is_pushed_once(
    wired: Runtime, fake_line: FakeLine, clock: MovableClock
) -> None:
    (member,) = await people(wired, "line", 1)
    token = fake_line.reply_token(member.user)
    await _reply_row(wired, member.user, token)  # queued, then the process died
    fake_line.expire(token)
    later(clock, 70)
    sender = _restarted(wired)
    await sender.start()
    await sender.deliver()
    assert fake_line.refused_tokens == {"expired": 1}
    assert fake_line.delivered_by[member.user] == ["push"]


def test_a_payload_reads_back_as_its_messages_whether_built_here_or_not() -> None:
    # The sender reads a reply this process just serialised without parsing it again; a
    # payload from the database (another process, a restart) is parsed. Both give the same.
    card = {"type": "bubble", "body": {"contents": [{"text": "สรุป"}]}}
    sent = [Outgoing("ส่งแล้ว ✅", (Button("📋 เมนู", "menu"),)), Outgoing("การ์ด", card=card)]
    raw = dump_messages(sent)
    assert load_messages(raw) == sent and load_messages(raw)[1].card == card
    stored = json.dumps(json.loads(raw), ensure_ascii=False, separators=(",", ":")) + " "
    assert load_messages(stored) == sent  # not a string this process built: parsed
    for n in range(2000):  # the memory of recent payloads stays bounded
        dump_messages([Outgoing(f"ข้อความ {n}")])
    assert load_messages(raw) == sent
