"""Similar problems: linking measured on labelled pairs, shown on the notice, merged by one press."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from sqlalchemy import update

from bot.runtime import Runtime
from bot.similar import (
    THRESHOLD,
    group_linked,
    most_similar,
    most_similar_overlaps,
)
from storage.schema import reports
from storage.stored_terms import StoredTerms
from tests.eval_similar import evaluate
from tests.helpers import Chat
from tests.search_support import add_report
from tests.test_tickets import file_problem, inbox_of, person, province_scope


def test_linking_on_the_labelled_pairs() -> None:
    scores = evaluate()  # README: precision 0.94, recall 0.97 at the threshold used
    assert scores.true_pos + scores.false_neg == 30
    assert scores.precision >= 0.9 and scores.recall >= 0.9


def test_most_similar_keeps_the_best_above_the_threshold() -> None:
    mine = ["งบประมาน", "ลาชา", "โอนเงิน"]
    others = [(4, ["งบประมาน", "ลาชา", "โอนเงิน", "จังหวัด"]), (9, ["ถนน", "ขาด"]),
              (7, ["งบประมาน", "ลาชา"])]  # fmt: skip
    assert [i for i, _ in most_similar(mine, others)] == [4, 7]


def test_linked_problems_group_into_one_line_for_the_digest() -> None:
    groups = group_linked([3, 4, 9, 12, 15], [(9, 4), (12, 9), (15, 20)])
    assert [g.ids for g in groups] == [(3,), (4, 9, 12), (15,)]


async def test_the_notice_names_similar_problems_and_one_press_merges(runtime: Runtime) -> None:
    first = await add_report(runtime.store, "งบประมาณกิจกรรมล่าช้า ยังไม่ได้รับการโอนเงิน", "PTN03")
    closed = await add_report(runtime.store, "งบประมาณกิจกรรมล่าช้า ยังไม่ได้รับการโอนเงิน",
                              "PTN01", status="resolved")  # fmt: skip
    unrelated = await add_report(runtime.store, "ถนนเข้าหมู่บ้านขาด", "PTN02")
    coordinator = await person(runtime, "line", "U-c", areas=("PTN01",))
    supervisor = await person(runtime, "telegram", "U-s", role="supervisor",
                              scope=await province_scope(runtime, "ปัตตานี"))  # fmt: skip
    ticket = await file_problem(coordinator, "งบประมานกิจกรรมล่าช้า ยังไม่ได้รับการโอนเงินเลย")
    [notice] = await inbox_of(runtime, supervisor, f"notice:obstacle:{ticket}:")
    assert f"อาจเป็นเรื่องเดียวกับ #{first} (สายบุรี)" in notice.text
    assert f"#{closed}" not in notice.text and f"#{unrelated}" not in notice.text
    supervisor.last = [notice]
    await supervisor.press(f"ซ้ำกับ #{first}")
    await supervisor.send("เรื่องเดียวกับที่สายบุรี รวมไว้ที่เดียวค่ะ")
    async with runtime.store.tx() as tx:
        merged = await tx.ticket(ticket)
        assert merged is not None and merged.status == "duplicate" and merged.duplicate_of == first
        assert (await tx.ticket(first)).status == "open"  # type: ignore[union-attr]
    [update] = await inbox_of(runtime, coordinator, f"ticket:{ticket}:change:")
    assert "ซ้ำกับเรื่องอื่น" in update.text
    await supervisor.send(f"#{first}")  # the older problem shows the link too
    assert f"#{ticket} (ยะหริ่ง)" in supervisor.text
    admin = Chat(runtime, "console", "admin")
    await admin.send(f"#{ticket}")
    assert f"เป็นเรื่องเดียวกับ #{first}" in admin.text and "สถานะ: ซ้ำกับเรื่องอื่น" in admin.text


def test_counting_shared_terms_finds_what_comparing_every_pair_finds() -> None:
    # The store counts shared terms from per-term lists of problems; the links must be the
    # ones comparing every pair gives, also once old entries made room for new ones.
    rng = random.Random(16)
    vocab = [f"w{i}" for i in range(40)]
    stored = StoredTerms()
    stored.SIZE = 60
    texts: dict[int, str] = {}
    for round_ in range(40):
        for i in range(round_ * 5, round_ * 5 + 5):
            texts[i] = " ".join(rng.sample(vocab, rng.randint(1, 12)))
        ids = [i for i in texts if rng.random() < 0.8]
        stored.add({i: texts[i] for i in stored.missing(ids)})
        mine = rng.sample(vocab, rng.randint(1, 10))
        kept = {i for i, _ in stored.candidates(ids)}
        full = most_similar(mine, [(i, texts[i].split()) for i in ids if i in kept])
        assert most_similar_overlaps(len(set(mine)), stored.overlaps(mine, ids)) == full
        pruned = stored.overlaps(mine, ids, min_share=THRESHOLD)
        assert most_similar_overlaps(len(set(mine)), pruned) == full
    assert len(stored.candidates(list(texts))) <= 60


async def test_open_problems_terms_are_read_once_and_redacted_ones_drop_out(
    runtime: Runtime,
) -> None:
    # The store keeps open problems' term sets between new problems, by report id (terms
    # are written once); a redacted problem (erasure, retention) is no longer compared.
    text = "งบประมาณกิจกรรมล่าช้า ยังไม่ได้รับการโอนเงิน"
    first = await add_report(runtime.store, text, "PTN03")
    second = await add_report(runtime.store, "ถนนเข้าหมู่บ้านขาด", "PTN02")
    await add_report(runtime.store, text, "PTN01", status="resolved")  # not open: left out
    since = datetime(2000, 1, 1, tzinfo=UTC)

    async def open_terms() -> dict[int, frozenset[str]]:
        return dict(await runtime.store.run(lambda tx: tx.open_problem_terms(since)))

    got = await open_terms()
    assert sorted(got) == [first, second]
    async with runtime.store.tx() as tx:
        assert got[first] == frozenset((await tx.search_texts([first]))[first].split())
        await tx.conn.execute(
            update(reports).where(reports.c.id == first)
            .values(search_text=None, redacted_at=datetime(2026, 12, 1, tzinfo=UTC))
        )  # fmt: skip
    assert sorted(await open_terms()) == [second]  # the path through the writer, then store.tx
    async with runtime.store.tx() as tx:
        assert [i for i, _ in await tx.open_problem_terms(since, exclude=second)] == []
