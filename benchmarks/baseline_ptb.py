"""The baseline for `bench_inbound.py`: the report bot as most Telegram bots are written.

python-telegram-bot's `ConversationHandler` with `PicklePersistence` (default update
interval), pythainlp's default `word_tokenize` (newmm), our category suggestion and
participant extraction, and one aiosqlite insert + commit per stored report. The Bot
API is a `BaseRequest` that answers canned JSON without any network.

Same conversation shape as Prasan's flows, inline keyboards in the replies:
progress  text → kind → participants (typed count) → attachments (skip) → summary → send;
obstacle  text → kind → category → severity → summary → send.

This module is the entry scripts import: the application (`Baseline`) and the
conversation table. The steps are in baseline_ptb_steps.py; the canned Bot API and the
update builders in baseline_ptb_fake_api.py.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import aiosqlite
from baseline_ptb_fake_api import BOT_ID, CannedRequest, callback_update, message_update
from baseline_ptb_steps import (
    KIND,
    O_ATTACH,
    O_CATEGORY,
    O_CONFIRM,
    O_SEVERITY,
    O_TEXT,
    P_ATTACH,
    P_CONFIRM,
    P_COUNT,
    P_PARTICIPANTS,
    P_TEXT,
    Ctx,
    attach_answer,
    cancel,
    category_answer,
    kind_chosen,
    obstacle_attach_answer,
    obstacle_send,
    obstacle_text,
    out_of_the_blue,
    participants_answer,
    progress_send,
    progress_text,
    severity_answer,
    start_obstacle,
    start_progress,
)
from telegram import Update
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    PicklePersistence,
    filters,
)
from telegram.warnings import PTBUserWarning

# What other scripts import (bench_inbound.py): the application and its updates.
__all__ = ["Baseline", "callback_update", "conversation", "message_update"]


def conversation() -> ConversationHandler[Ctx]:
    """The whole conversation as one table: entry points, states, fallbacks."""
    text = filters.TEXT & ~filters.COMMAND
    return ConversationHandler(
        entry_points=[
            MessageHandler(text, out_of_the_blue),
            CommandHandler("report", start_progress),
            CommandHandler("problem", start_obstacle),
            CallbackQueryHandler(start_progress, pattern="^m:progress$"),
            CallbackQueryHandler(start_obstacle, pattern="^m:obstacle$"),
        ],
        states={
            KIND: [CallbackQueryHandler(kind_chosen, pattern="^(progress|obstacle)$"),
                   MessageHandler(text, kind_chosen)],
            P_TEXT: [MessageHandler(text, progress_text)],
            P_PARTICIPANTS: [CallbackQueryHandler(participants_answer, pattern="^(yes|none|change)$"),
                             MessageHandler(text, participants_answer)],
            P_COUNT: [CallbackQueryHandler(participants_answer, pattern="^none$"),
                      MessageHandler(text, participants_answer)],
            P_ATTACH: [CallbackQueryHandler(attach_answer, pattern="^done$"),
                       MessageHandler(text, attach_answer)],
            P_CONFIRM: [CallbackQueryHandler(progress_send, pattern="^send$")],
            O_TEXT: [MessageHandler(text, obstacle_text)],
            O_CATEGORY: [CallbackQueryHandler(category_answer, pattern="^cat:")],
            O_SEVERITY: [CallbackQueryHandler(severity_answer, pattern="^sev:"),
                         MessageHandler(text, severity_answer)],
            O_ATTACH: [CallbackQueryHandler(obstacle_attach_answer, pattern="^done$"),
                       MessageHandler(text, obstacle_attach_answer)],
            O_CONFIRM: [CallbackQueryHandler(obstacle_send, pattern="^send$")],
        },
        fallbacks=[CallbackQueryHandler(cancel, pattern="^cancel$"),
                   CommandHandler("cancel", cancel)],
        name="report",
        persistent=True,
    )  # fmt: skip


class Baseline:
    """A PTB application on a fresh pickle file and SQLite database, ready for updates."""

    def __init__(self, workdir: Path, coordinators: dict[int, dict[str, Any]]) -> None:
        self.workdir = workdir
        self.coordinators = coordinators
        self.request = CannedRequest()
        self.errors = 0
        self.app: Application[Any, Ctx, Any, Any, Any, Any] | None = None
        self.db: aiosqlite.Connection | None = None

    async def start(self) -> Application[Any, Ctx, Any, Any, Any, Any]:
        """Open the database, build, initialise and start the application."""
        self.db = await aiosqlite.connect(self.workdir / "baseline.db")
        # WAL like ours; synchronous stays at SQLite's default (FULL): same durability.
        await self.db.execute("pragma journal_mode=WAL")
        await self.db.execute(
            "create table if not exists reports (id integer primary key, kind text,"
            " user_id integer, raw_text text, norm_text text, tokens text, category text,"
            " severity text, participants integer, created_at real)"
        )
        await self.db.commit()
        with warnings.catch_warnings():
            # per_message=False with CallbackQueryHandlers is how most bots set it up.
            warnings.simplefilter("ignore", PTBUserWarning)
            app = (
                ApplicationBuilder()
                .token(f"{BOT_ID}:bench")
                .request(self.request)
                .get_updates_request(CannedRequest())
                .persistence(PicklePersistence(self.workdir / "baseline.pickle"))
                .job_queue(None)
                .updater(None)
                .build()
            )
            app.add_handler(conversation())
        app.add_error_handler(self._error)
        await app.initialize()
        app.bot_data["coordinators"] = self.coordinators
        app.bot_data["db"] = self.db
        await app.start()
        self.app = app
        return app

    async def _error(self, update: object, context: Ctx) -> None:
        self.errors += 1
        if self.errors <= 3:
            print(f"  baseline handler error: {context.error!r}")

    def update(self, raw: dict[str, Any]) -> Update:
        """A telegram.Update from its JSON dict."""
        assert self.app is not None
        return Update.de_json(raw, self.app.bot)

    async def handle(self, update: Update) -> None:
        """Process one update as PTB's own fetcher does (one at a time unless concurrent)."""
        assert self.app is not None
        await self.app.update_processor.process_update(update, self.app.process_update(update))

    async def handle_direct(self, update: Update) -> None:
        """Call Application.process_update itself (no update processor, no serialisation)."""
        assert self.app is not None
        await self.app.process_update(update)

    async def reports(self) -> int:
        """Rows in the reports table."""
        assert self.db is not None
        async with self.db.execute("select count(*) from reports") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def stop(self) -> None:
        """Stop (flushing the pickle) and close the database."""
        if self.app is not None:
            self.app.bot_data.pop("db", None)  # a connection cannot be pickled
            await self.app.stop()
            await self.app.shutdown()
        if self.db is not None:
            await self.db.close()
