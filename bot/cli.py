"""The `prasan` command line: run the bot, try it in a terminal, administer it."""

from __future__ import annotations

import argparse
import asyncio
import errno
import logging
import os
import sys
from collections.abc import Callable, Coroutine
from typing import Any

from bot import admin_jobs, cli_people, cli_text, logsafe, webhooks_cli
from bot.cli_text import t
from bot.config import ConfigurationError, Settings, load_settings

log = logging.getLogger("prasan")

Command = Callable[[argparse.Namespace, Settings], Coroutine[Any, Any, int]]


def _parser() -> argparse.ArgumentParser:
    from bot import admin_broadcast, admin_meeting

    p = argparse.ArgumentParser(prog="prasan", description="Prasan reporting bot")
    p.add_argument("--version", action="version", version=f"prasan {_version()}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("run", help="channels + web server + scheduler + sender in one process")
    sub.add_parser("web", help="serve webhooks (Procfile web)")
    sub.add_parser("worker", help="scheduler + outbox sender (Procfile worker)")
    c = sub.add_parser("console", help="chat with the bot in this terminal (or pipe a script)")
    c.add_argument("--as", dest="user", default=None,
                   help="console identity (demo: somchai, fatimah, arunee, admin)")  # fmt: skip
    dm = sub.add_parser("demo", help="load demo areas and people")
    dm.add_argument("--force", action="store_true",
                    help="load even into a database that holds people other than the demo ones")  # fmt: skip
    i = sub.add_parser("invite", help="create a one-time invite code (printed last)")
    i.add_argument("--role", choices=("coordinator", "supervisor", "admin"))
    i.add_argument("--area", action="append", default=[], metavar="CODE")
    i.add_argument("--district", action="append", default=[], metavar="NAME")
    i.add_argument("--province", action="append", default=[], metavar="NAME")
    i.add_argument("--all", action="store_true", help="supervisor over the whole programme")
    i.add_argument("--name", help="the person's name as the bot will greet them")
    i.add_argument("--person", type=int, metavar="ID",
                   help="link one more chat app to this person (see `prasan people list`)")  # fmt: skip
    a = sub.add_parser("areas", help="manage areas")
    asub = a.add_subparsers(dest="areas_command", required=True, metavar="ACTION")
    imp = asub.add_parser(
        "import",
        help="import areas from CSV: code,name,district,province "
        "(UTF-8 or Thai Windows cp874; a file without rows exits 1)",
    )
    imp.add_argument("file")
    asub.add_parser("list", help="list areas")
    cli_people.add_commands(sub)
    e = sub.add_parser("export", help="export data")
    esub = e.add_subparsers(dest="export_command", required=True, metavar="WHAT")
    er = esub.add_parser("reports", help="export reports as CSV or XLSX")
    er.add_argument("--since", metavar="YYYY-MM-DD")
    er.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    er.add_argument("--out", metavar="FILE", help="default: stdout for csv")
    er.add_argument("--for", dest="for_person", type=int, metavar="PERSON_ID",
                    help="only what this supervisor's scope covers (as they would see it)")  # fmt: skip
    se = sub.add_parser("search", help="search reports (Thai), best matches first")
    se.add_argument("query")
    se.add_argument("--as", dest="person", type=int, metavar="PERSON_ID",
                    help="only what this person may see (see `prasan people list`)")  # fmt: skip
    se.add_argument("--since", metavar="DATE", help="YYYY-MM-DD (CE or BE)")
    d = sub.add_parser("db", help="database maintenance")
    dsub = d.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dsub.add_parser("upgrade", help="apply migrations")
    admin_broadcast.add_parser(sub)
    from bot import outbox_cli

    outbox_cli.add_parser(sub)
    admin_meeting.add_parser(sub)
    n = sub.add_parser("nlp", help="Thai text tools")
    nsub = n.add_subparsers(dest="nlp_command", required=True, metavar="ACTION")
    nsub.add_parser("analyze", help="one message a line on stdin → one JSON object a line")
    admin_jobs.add_parsers(sub)
    webhooks_cli.add_parser(sub)
    return p


def _command(args: argparse.Namespace) -> Command:
    from bot import (
        admin,
        admin_areas,
        admin_broadcast,
        admin_meeting,
        outbox_cli,
        search_cli,
        serve,
    )

    table: dict[tuple[str, str | None], Command] = {
        ("run", None): serve.run_all,
        ("web", None): serve.run_web,
        ("worker", None): serve.run_worker,
        ("console", None): serve.run_console,
        ("demo", None): admin.demo,
        ("invite", None): admin.invite,
        ("areas", "import"): admin_areas.areas_import,
        ("areas", "list"): admin_areas.areas_list,
        ("export", "reports"): admin.export_reports,
        ("db", "upgrade"): admin.db_upgrade,
        ("search", None): search_cli.search_reports,
        ("nlp", "analyze"): admin.nlp_analyze,
        ("broadcast", None): admin_broadcast.broadcast,
        ("outbox", "status"): outbox_cli.status,
        ("outbox", "dead"): outbox_cli.dead,
        ("outbox", "retry"): outbox_cli.retry,
        ("meeting", "create"): admin_meeting.create,
        ("meeting", "list"): admin_meeting.listing,
        ("meeting", "attendees"): admin_meeting.attendees,
        ("meeting", "update"): admin_meeting.update,
        ("meeting", "cancel"): admin_meeting.cancel,
        **cli_people.commands(),
        ("webhooks", "set"): webhooks_cli.set_hooks,
        ("webhooks", "info"): webhooks_cli.info,
    }
    sub = next((getattr(args, k) for k in vars(args) if k.endswith("_command")), None)
    if (args.command, sub) in admin_jobs.COMMANDS:
        return getattr(admin_jobs, admin_jobs.COMMANDS[(args.command, sub)])  # type: ignore[no-any-return]
    return table[(args.command, sub)]


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("prasan")
    except PackageNotFoundError:
        return "0.1.0"


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `prasan` script and `python -m bot`."""
    args = _parser().parse_args(argv)
    quiet = args.command in (
        "console",
        "nlp",
        "export",
        "invite",
        "people",
        "invites",
        "identities",
        "audit",
        "retention",
        "backup",
        "restore",
        "broadcast",
        "search",
        "meeting",
        "outbox",
        "remind",
        "digest",
        "jobs",
        "holidays",
        "webhooks",
    )
    logsafe.install(logging.WARNING if quiet else logging.INFO)
    try:
        settings = load_settings()
    except ConfigurationError as exc:
        print(f"prasan: configuration error: {exc}", file=sys.stderr)
        return 2
    cli_text.set_language(settings)
    try:
        return asyncio.run(_command(args)(args, settings))
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # Output piped into `head` that stopped reading: not an error worth a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            return _say(t("port {port} is already in use; stop the other process or set PORT "
                          "to a free port", port=settings.PORT))  # fmt: skip
        if _database_error(exc):
            return _say(_db_hint(exc))
        raise
    except Exception as exc:
        if _database_error(exc):
            return _say(_db_hint(exc))
        raise


def _db_hint(exc: BaseException) -> str:
    # Only the error's type: a database error's message can carry report text (its parameters).
    return t("cannot reach the database ({kind}); check DATABASE_URL and that the database "
             "server is running", kind=type(exc).__name__)  # fmt: skip


def _database_error(exc: BaseException) -> bool:
    """Connection failures of SQLite, PostgreSQL (asyncpg) or the network under them."""
    from sqlalchemy.exc import InterfaceError, OperationalError

    if isinstance(exc, (OperationalError, InterfaceError)):
        return True
    if type(exc).__module__.startswith("asyncpg"):
        return True
    # A refused or timed-out connection counts when a database driver raised it.
    tb = exc.__traceback__
    while tb is not None:
        if str(tb.tb_frame.f_globals.get("__name__", "")).startswith(
            ("asyncpg", "sqlalchemy", "aiosqlite", "storage.")
        ):
            return isinstance(exc, (ConnectionError, TimeoutError, OSError))
        tb = tb.tb_next
    return False


def _say(message: str) -> int:
    print(f"prasan: {message}", file=sys.stderr)
    return 1
