"""Search reports in Thai: `/search คำ`, the menu's 🔎 button, 10 results a page with More.

The last query is kept per person (settings_kv), so "More" needs no query in its
button data (Telegram allows 64 bytes); a More press from an older search says so.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum

from bot.dates import format_date
from bot.messages import Button, Outgoing
from bot.search import PAGE, search
from bot.textcut import shorten
from handlers.actions import action, refuse
from handlers.context import Ctx, cancel_button, strip_controls
from handlers.flow import Done, Draft, Flow, Invalid, Step, start
from handlers.labels import KIND_NAMES, status_name
from handlers.menu import main_menu

SEARCHERS = ("supervisor", "admin")
MAX_QUERY = 200
COMMANDS = ("/search", "ค้นหา")


class S(StrEnum):
    QUERY = "query"


def _key(person_id: int) -> str:
    return f"search:{person_id}"


def _tag(query: str) -> str:
    return hashlib.sha256(query.encode()).hexdigest()[:8]


def typed_search(text: str | None) -> str | None:
    """The words after `/search` (or ค้นหา); '' when the command came alone."""
    words = (text or "").strip().split(maxsplit=1)
    if not words or words[0].split("@")[0].casefold() not in COMMANDS:
        return None
    return words[1].strip() if len(words) > 1 else ""


async def begin(ctx: Ctx, query: str) -> list[Outgoing]:
    """Search now, or ask what to search for."""
    assert ctx.person is not None
    if ctx.person.role not in SEARCHERS:
        return [await main_menu(ctx, ctx.t("Search is for supervisors and administrators."))]
    if not query:
        return await start(ctx, FLOW)
    return await results(ctx, query, 0)


async def results(ctx: Ctx, query: str, page: int) -> list[Outgoing]:
    """One page of results for a query (remembered for the More button)."""
    assert ctx.person is not None
    query = strip_controls(query).strip()[:MAX_QUERY]
    await ctx.tx.kv_put(_key(ctx.person.id), json.dumps({"q": query}, ensure_ascii=False))
    found = await search(ctx.tx, query, ctx.person.id)
    if not found:
        text = ctx.t('🔎 Nothing found for "{query}" in your areas. Try other words.',
                     query=query)  # fmt: skip
        return [await main_menu(ctx, text)]
    shown = found[page * PAGE : (page + 1) * PAGE]
    rows = await ctx.tx.report_rows([r.id for r in shown])
    head = ctx.t('🔎 "{query}": {count} found (showing {first}–{last})', query=query,
                 count=len(found), first=page * PAGE + 1, last=page * PAGE + len(rows))  # fmt: skip
    lines = [head]
    for r in rows:
        date = format_date(r.created_at, ctx.tz, ctx.lang, short=True)
        snippet = r.text.replace("\n", " ")
        snippet = shorten(snippet, 60)  # between Thai words, never inside a grapheme
        kind = ctx.t(KIND_NAMES.get(r.kind, r.kind))
        lines.append(f"#{r.id} · {date} · {kind} · {r.area_name or '-'} · "
                     f"{status_name(ctx.t, r.status)}\n   {snippet}")  # fmt: skip
    buttons = [Button(f"🔎 #{r.id}", f"ticket:{r.id}:view") for r in rows]
    if len(found) > (page + 1) * PAGE:
        buttons.append(Button(ctx.t("➡️ More"), f"search:{page + 1}:{_tag(query)}"))
    buttons.append(Button(ctx.t("🏠 Menu"), "m:menu"))
    return [ctx.say("\n".join(lines), buttons)]


@action("search", roles=SEARCHERS)
async def more(ctx: Ctx, args: tuple[str, ...]) -> list[Outgoing]:
    """The next page of the person's last search."""
    assert ctx.person is not None
    if len(args) != 2 or not args[0].isdigit():
        return await refuse(ctx, "malformed")
    saved = await ctx.tx.kv_get(_key(ctx.person.id))
    query = json.loads(saved)["q"] if saved else None
    if query is None or _tag(query) != args[1]:
        return [await main_menu(ctx, ctx.t("That search is over. Please search again."))]
    return await results(ctx, query, int(args[0]))


async def ask_query(ctx: Ctx, draft: Draft) -> list[Outgoing]:
    """Asks what to search for."""
    text = ctx.t("🔎 Please type the words to search for (Thai or English).")
    return [ctx.say(text, [cancel_button(ctx)])]


async def take_query(ctx: Ctx, draft: Draft) -> Invalid | Done:
    """Searches."""
    query = (ctx.inc.text or "").strip() if ctx.inc.data is None else ""
    if not query:
        return Invalid(ctx.say(ctx.t("Please type the words to search for.")))
    return Done(await results(ctx, query, 0))


FLOW = Flow("search", S.QUERY, {S.QUERY: Step(ask_query, take_query)})
