"""The export's follow-up columns: photo count and time-limited links, location, state."""

from __future__ import annotations

from bot.config import Settings
from bot.photo_links import link_key, photo_link
from storage.store import Tx


async def followup_columns(tx: Tx, settings: Settings, ids: list[int]) -> dict[int, list[object]]:
    """photo_count, photo_links (space-separated), latitude, longitude, state, state_changed_at."""
    details = await tx.export_details(ids)
    refs = [ref for d in details.values() for ref in d.photos]
    fetched = await tx.photos_by_ref(refs)
    key, now, tz = await link_key(tx), tx.now(), settings.timezone
    out: dict[int, list[object]] = {}
    for report_id, d in details.items():
        tokens = [f.token for ref in d.photos if (f := fetched.get(ref)) and f.token]
        links = " ".join(photo_link(settings, key, token, now) for token in tokens)
        changed = d.status_changed_at.astimezone(tz).isoformat(timespec="seconds") if (
            d.status_changed_at) else ""  # fmt: skip
        out[report_id] = [
            len(d.photos), links,
            "" if d.latitude is None else d.latitude, "" if d.longitude is None else d.longitude,
            d.status, changed,
        ]  # fmt: skip
    return out
