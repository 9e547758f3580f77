"""Media: images kept in the database, served at unguessable expiring URLs, sent on both apps."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from bot import media
from bot.channels import line as line_channel
from bot.channels import telegram as telegram_channel
from bot.clock import MovableClock
from bot.jobs import RunStatus, run_job
from bot.jobs.housekeeping import MEDIA_CLEANUP
from bot.messages import Outgoing
from bot.runtime import Runtime
from bot.web import build_app
from tests.fake_line import SECRET, TOKEN, FakeLine
from tests.fake_telegram import FakeTelegram

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4  # enough to compare, not a real picture
START = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def clock(runtime: Runtime) -> MovableClock:
    moving = MovableClock(START)
    runtime.store.clock = moving
    runtime.settings = runtime.settings.model_copy(
        update={"PRASAN_PUBLIC_URL": "https://prasan.example.org"}
    )
    return moving


@pytest.fixture
async def web_base(runtime: Runtime) -> AsyncIterator[str]:
    runner = web.AppRunner(build_app(runtime), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


async def get(url: str) -> tuple[int, bytes, str]:
    async with aiohttp.ClientSession() as s, s.get(url) as resp:
        return resp.status, await resp.read(), resp.headers.get("Content-Type", "")


async def test_an_image_is_served_at_an_unguessable_url_until_it_expires(
    runtime: Runtime, clock: MovableClock, web_base: str
) -> None:
    async with runtime.store.tx() as tx:
        ref = await media.store_media(tx, PNG, "image/png")
        other = await media.store_media(tx, PNG, "image/png")
    url = media.media_url(runtime.settings, ref)
    assert url.startswith("https://prasan.example.org/media/") and url.endswith(".png")
    assert ref.token != other.token and len(ref.token) == 32  # 192 random bits each
    assert ref.expires_at == START + timedelta(days=30)
    path = url.removeprefix("https://prasan.example.org")
    assert await get(web_base + path) == (200, PNG, "image/png")
    # A guessed, truncated or malformed name finds nothing.
    for wrong in (path[:-8] + "AAAA.png", path[:-5] + ".png", "/media/" + "A" * 32 + ".png"):
        assert (await get(web_base + wrong))[0] == 404

    clock.advance(timedelta(days=30))  # expired: no longer served, then deleted by the job
    assert (await get(web_base + path))[0] == 404
    outcome = await run_job(runtime.store, MEDIA_CLEANUP, runtime.settings)
    assert outcome.status == RunStatus.RAN
    async with runtime.store.tx() as tx:
        assert await tx.media_purge() == 0  # the job removed both already


async def test_a_fresh_image_survives_the_cleanup(runtime: Runtime, clock: MovableClock) -> None:
    async with runtime.store.tx() as tx:
        old = await media.store_media(tx, PNG, "image/png")
    clock.advance(timedelta(days=29))
    async with runtime.store.tx() as tx:
        new = await media.store_media(tx, PNG, "image/png")
    clock.advance(timedelta(days=1, minutes=1))
    await run_job(runtime.store, MEDIA_CLEANUP, runtime.settings)
    async with runtime.store.tx() as tx:
        assert await media.load_media(tx, old.filename) is None
        kept = await media.load_media(tx, media.media_url(runtime.settings, new))
    assert kept is not None and kept.data == PNG


async def test_only_images_of_a_sensible_size_are_kept(runtime: Runtime) -> None:
    async with runtime.store.tx() as tx:
        with pytest.raises(ValueError):
            await media.store_media(tx, b"<html>", "text/html")
        with pytest.raises(ValueError):
            await media.store_media(tx, b"", "image/png")


async def test_telegram_uploads_the_bytes_and_line_gets_the_https_url(
    runtime: Runtime, clock: MovableClock
) -> None:
    async with runtime.store.tx() as tx:
        ref = await media.store_media(tx, PNG, "image/png")
    url = media.media_url(runtime.settings, ref)
    message = Outgoing("📊 รายงานต่อจังหวัด", image_url=url)
    tg, ln = await FakeTelegram().start(), await FakeLine().start()
    runtime.settings = runtime.settings.model_copy(update={
        "TELEGRAM_BOT_TOKEN": SecretStr(tg.token), "TELEGRAM_API_URL": tg.api_url,
        "TELEGRAM_FILE_URL": tg.file_url, "LINE_CHANNEL_SECRET": SecretStr(SECRET),
        "LINE_CHANNEL_ACCESS_TOKEN": SecretStr(TOKEN), "LINE_API_URL": ln.api_url,
        "LINE_DATA_API_URL": ln.data_url,
    })  # fmt: skip
    try:
        telegram = await telegram_channel.start_channel(runtime, False)
        line = await line_channel.start_channel(runtime, False)
        runtime.services += [telegram, line]
        await telegram.send("5550001", [message])
        await line.send("U-sup", [message])
    finally:
        await tg.close()
        await ln.close()
    [sent] = tg.chats[5550001]
    assert sent.text == "📊 รายงานต่อจังหวัด" and sent.photo is not None
    assert tg.uploads[sent.photo] == PNG  # uploaded: Telegram never needs our URL
    assert ln.messages_to("U-sup")[-1] == {
        "type": "image", "originalContentUrl": url, "previewImageUrl": url
    }  # fmt: skip
