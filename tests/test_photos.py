"""Report photos: fetched from the fake LINE content API as soon as they arrive, kept as media."""

from __future__ import annotations

from bot.channels.line import LineChannel
from bot.media import load_media
from bot.messages import load_messages
from bot.photos import PhotoFetcher, image_type
from bot.runtime import Runtime
from tests.fake_line import FakeLine
from tests.helpers import Chat

# Fixtures: imported by name (`x as x` re-exports them) for pytest to find here.
from tests.line_support import fake as fake
from tests.line_support import line as line
from tests.test_tickets import inbox_of, person

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 500


def fetcher(runtime: Runtime) -> PhotoFetcher:
    return PhotoFetcher(runtime.store, runtime.settings, runtime.channels)


async def problem_with_photo(chat: Chat, message_id: str) -> int:
    await chat.press("แจ้งปัญหา")
    await chat.send(kind="photo", photo=message_id)  # a photo before the text is kept
    await chat.send("สะพานข้ามคลองหักพัง ชาวบ้านข้ามไม่ได้")
    await chat.send(data=next(b.data for m in chat.last for b in m.buttons
                              if b.data.startswith("cat:")))  # fmt: skip
    await chat.press("เร่งด่วน")
    await chat.press("เสร็จ")  # the photo is already attached
    await chat.press("ส่ง")
    return int(chat.text.split("#", 1)[1].split()[0])


def test_the_type_comes_from_the_bytes() -> None:
    assert image_type(JPEG) == "image/jpeg" and image_type(PNG) == "image/png"
    assert image_type(b"RIFF\x00\x00\x00\x00WEBPVP8 ") == "image/webp"
    assert image_type(b"<html>not a photo</html>") is None


async def test_a_line_photo_is_fetched_kept_and_shown_in_the_detail_view(
    runtime: Runtime, fake: FakeLine, line: LineChannel
) -> None:
    fake.contents["70001"] = (JPEG, "image/png")  # what the sender claims does not matter
    coordinator = await person(runtime, "line", "U-photo")
    ticket = await problem_with_photo(coordinator, "70001")
    async with runtime.store.tx() as tx:
        assert [p.status for p in (await tx.photos_by_ref(["line:70001"])).values()] == ["pending"]
    assert await fetcher(runtime).run_once() == 1
    assert len(fake.calls_to("/v2/bot/message/70001/content")) == 1
    async with runtime.store.tx() as tx:
        fetched = (await tx.photos_by_ref(["line:70001"]))["line:70001"]
        assert fetched.status == "stored" and fetched.url is not None
        kept = await load_media(tx, fetched.url)
    assert kept is not None and kept.data == JPEG and kept.content_type == "image/jpeg"
    assert await fetcher(runtime).run_once() == 0  # fetched once

    admin = Chat(runtime, "console", "admin")
    await admin.send(f"#{ticket}")
    assert admin.last[0].image_url == fetched.url and "รูปภาพ: 1 รูป" in admin.text


async def test_expired_content_is_noted_and_the_report_kept(
    runtime: Runtime, fake: FakeLine, line: LineChannel
) -> None:
    coordinator = await person(runtime, "line", "U-late")
    ticket = await problem_with_photo(coordinator, "70002")  # LINE no longer has it
    assert await fetcher(runtime).run_once() == 1
    async with runtime.store.tx() as tx:
        assert (await tx.photos_by_ref(["line:70002"]))["line:70002"].status == "expired"
        assert (await tx.ticket(ticket)) is not None
    [note] = await inbox_of(runtime, coordinator, "photo:")
    assert "ไม่สามารถเก็บรูปภาพ" in note.text and "รายงานของคุณยังอยู่" in note.text
    admin = Chat(runtime, "console", "admin")
    await admin.send(f"#{ticket}")
    assert all(m.image_url is None for m in admin.last) and "เก็บไม่ได้" in admin.text


async def test_too_large_and_not_an_image_are_refused(
    runtime: Runtime, fake: FakeLine, line: LineChannel
) -> None:
    runtime.settings = runtime.settings.model_copy(update={"PRASAN_MAX_PHOTO_MB": 0.001})
    fake.contents["70003"] = (JPEG, "image/jpeg")  # 2 KB > 1 KB
    fake.contents["70004"] = (b"MZ\x90\x00 not an image" * 10, "image/jpeg")
    coordinator = await person(runtime, "line", "U-big")
    await problem_with_photo(coordinator, "70003")
    await problem_with_photo(coordinator, "70004")
    assert await fetcher(runtime).run_once() == 2
    async with runtime.store.tx() as tx:
        got = await tx.photos_by_ref(["line:70003", "line:70004"])
        notes = [load_messages(r["payload"])[0].text for r in await tx.outbox_rows()
                 if r["dedupe_key"].startswith("photo:")]  # fmt: skip
    assert got["line:70003"].status == "too_large" and got["line:70004"].status == "not_image"
    assert any("0.001 MB" in n for n in notes)


async def test_a_photo_waits_for_a_process_with_its_channel(runtime: Runtime) -> None:
    coordinator = await person(runtime, "line", "U-nochannel")
    await problem_with_photo(coordinator, "70005")
    assert await fetcher(runtime).run_once() == 0  # no LINE channel here: left for another
    async with runtime.store.tx() as tx:
        assert (await tx.photos_by_ref(["line:70005"]))["line:70005"].status == "pending"


async def test_the_export_gains_photo_links_location_and_state(
    runtime: Runtime, fake: FakeLine, line: LineChannel
) -> None:
    from urllib.parse import parse_qs, urlsplit

    from bot.export import COLUMNS
    from bot.export_followup import followup_columns
    from bot.photo_links import link_key, valid

    assert COLUMNS[:13] == ("id", "kind", "created_at", "area_code", "area_name", "district",
                            "province", "reporter", "text", "category", "severity",
                            "participants", "status")  # fmt: skip
    assert COLUMNS[13:] == ("photo_count", "photo_links", "latitude", "longitude", "state",
                            "state_changed_at")  # fmt: skip
    fake.contents["70009"] = (PNG, "image/png")
    coordinator = await person(runtime, "line", "U-export")
    ticket = await problem_with_photo(coordinator, "70009")
    await fetcher(runtime).run_once()
    async with runtime.store.tx() as tx:
        [row] = (await followup_columns(tx, runtime.settings, [ticket])).values()
        key = await link_key(tx)
        now = tx.now()
    count, links, lat, lon, state, changed = row
    assert (count, lat, lon, state, changed) == (1, "", "", "open", "")
    url = urlsplit(str(links))
    token = url.path.rsplit("/", 1)[1]
    q = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert url.path.startswith("/photos/") and valid(key, token, q["e"], q["s"], now)
    assert not valid(key, token, q["e"], "0" * 32, now)  # forged
    assert not valid(key, token, q["e"], q["s"], now.replace(year=now.year + 1))  # expired
