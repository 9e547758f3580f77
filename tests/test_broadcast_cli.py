"""`prasan broadcast` as an operator uses it: count and ask, --yes, targets, list, show."""

from __future__ import annotations

import asyncio
import csv
import io
import sys
from dataclasses import dataclass

import pytest

from bot.cli import main
from bot.config import Settings
from bot.media import load_media
from bot.messages import Outgoing, load_messages
from storage.store import Store


@dataclass
class Ran:
    stdout: str
    stderr: str


@pytest.fixture
def cli(settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    """`prasan …` run in this process (the conftest settings' database), stdin given."""
    monkeypatch.setenv("DATABASE_URL", settings.DATABASE_URL)

    def run(*args: str, stdin: str = "", code: int = 0) -> Ran:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        got = main(list(args))
        out = capsys.readouterr()
        assert got == code, out.err
        return Ran(out.out, out.err)

    run("demo")
    return run


def test_counts_asks_then_queues_each_person_once(cli) -> None:  # type: ignore[no-untyped-def]
    asked = cli("broadcast", "--to", "province:ปัตตานี", "--to", "area:yla01",
                "--text", "ประชุมประจำเดือน", stdin="n\n", code=1)  # fmt: skip
    assert "To province Pattani and area บ้านบันนังสตา (YLA01): 3 people: console 3." in asked.stdout
    assert "Nothing was sent." in asked.stdout
    assert "1," not in cli("broadcast", "list").stdout
    done = cli("broadcast", "--to", "province:Pattani", "--to", "role:coordinator",
               "--text", "ประชุมประจำเดือน", "--text-en", "Monthly meeting", stdin="y\n")  # fmt: skip
    assert "Broadcast #1 queued (3 messages queued now)" in done.stdout  # somchai counted once
    rows = list(csv.DictReader(io.StringIO(cli("broadcast", "show", "1").stdout)))
    assert sorted((r["name"], r["channel"], r["status"]) for r in rows) == [
        ("ฟาตีมะห์ ดอเลาะ", "console", "pending"), ("สมชาย ใจดี", "console", "pending"),
        ("อรุณี ศรีสุข", "console", "pending")]  # fmt: skip
    listed = list(csv.DictReader(io.StringIO(cli("broadcast", "list").stdout)))
    assert [(r["id"], r["status"], r["recipients"], r["waiting"]) for r in listed] == [
        ("1", "queued", "3", "3")]  # fmt: skip


def test_yes_and_later_and_errors_in_one_line(cli) -> None:  # type: ignore[no-untyped-def]
    later = cli("broadcast", "--to", "all", "--text", "x", "--at", "2600-01-01 09:00", "--yes")
    assert "Broadcast #1 scheduled (0 messages queued now)" in later.stdout
    for args, says in [
        (("--to", "province:Kedah", "--text", "x", "--yes"), "unknown province 'Kedah'"),
        (("--to", "role:boss", "--text", "x", "--yes"), "unknown role 'boss'"),
        (("--to", "area:PTN01,XX9", "--text", "x", "--yes"), "unknown area code 'XX9'"),
        (("--to", "everyone", "--text", "x", "--yes"), "cannot read target 'everyone'"),
        (("--to", "all", "--text", "x", "--at", "2020-01-01 09:00", "--yes"), "in the past"),
        (("--to", "all", "--text", "x", "--at", "tomorrow", "--yes"), "YYYY-MM-DD HH:MM"),
        (("--to", "all", "--yes"), "--text"),
        (("show", "99"), "no broadcast #99"),
    ]:
        err = cli("broadcast", *args, code=1).stderr.strip()
        assert says in err and len(err.splitlines()) == 1, err


def test_meeting_create_list_attendees_update_cancel(cli) -> None:  # type: ignore[no-untyped-def]
    made = cli("meeting", "create", "--title", "ประชุมประจำเดือน", "--at", "2600-01-05 09:00",
               "--venue", "ศาลากลาง", "--location", "6.8694,101.2502", "--to", "province:Yala",
               "--to", "role:supervisor", "--yes")  # fmt: skip
    assert "inviting province Yala and supervisors: 2 people: console 2." in made.stdout
    assert "Meeting #1 created" in made.stdout
    listed = list(csv.DictReader(io.StringIO(cli("meeting", "list").stdout)))
    assert [(r["id"], r["status"], r["invited"], r["no_answer"]) for r in listed] == [
        ("1", "scheduled", "2", "2")]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(cli("meeting", "attendees", "1").stdout)))
    assert sorted((r["name"], r["role"], r["answer"]) for r in rows) == [
        ("ฟาตีมะห์ ดอเลาะ", "coordinator", ""), ("อรุณี ศรีสุข", "supervisor", "")]  # fmt: skip
    assert "updated" in cli("meeting", "update", "1", "--venue", "อำเภอเมืองยะลา").stdout
    assert "cancelled" in cli("meeting", "cancel", "1").stdout
    for args, says in [
        (("meeting", "cancel", "1"), "already cancelled"),
        (("meeting", "update", "1", "--at", "2600-01-06 09:00"), "is cancelled"),
        (("meeting", "attendees", "7"), "no meeting #7"),
        (
            (
                "meeting",
                "create",
                "--title",
                "x",
                "--at",
                "2600-01-05 09:00",
                "--venue",
                "v",
                "--to",
                "all",
                "--location",
                "north",
                "--yes",
            ),
            "LAT,LON",
        ),
    ]:
        err = cli(*args, code=1).stderr.strip()
        assert says in err and len(err.splitlines()) == 1, err


def test_a_photo_goes_with_the_text_from_our_media_store(  # type: ignore[no-untyped-def]
    cli, settings: Settings, tmp_path
) -> None:
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    (tmp_path / "poster.png").write_bytes(png)
    (tmp_path / "notes.txt").write_text("not a photo")
    done = cli("broadcast", "--to", "area:PTN01", "--text", "โปสเตอร์เวทีรับฟังปัญหา",
               "--photo", str(tmp_path / "poster.png"), "--yes")  # fmt: skip
    assert "Broadcast #1 queued" in done.stdout
    err = cli("broadcast", "--to", "all", "--text", "x", "--photo", str(tmp_path / "notes.txt"),
              "--yes", code=1).stderr  # fmt: skip
    assert "is not a JPEG or PNG photo" in err

    async def stored() -> tuple[list[Outgoing], bytes | None]:
        store = await Store.open(settings.DATABASE_URL)
        try:
            async with store.tx() as tx:
                [row] = [r for r in await tx.outbox_rows() if r["tag"] == "broadcast:1"][:1]
                messages = load_messages(row["payload"])
                media = await load_media(tx, messages[0].image_url or "")
        finally:
            await store.close()
        return messages, None if media is None else media.data

    messages, data = asyncio.run(stored())
    assert "/media/" in (messages[0].image_url or "") and messages[0].image_url.endswith(".png")
    assert "โปสเตอร์" in messages[0].text and data == png
