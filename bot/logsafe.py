"""Logs without report text, names, tokens or secrets — exception messages included.

Exception messages carry data: SQLAlchemy puts statements and parameters in them, a
ValueError can quote the text that failed to parse, an HTTP error can echo a request.
So failures are logged as the exception type, the ids involved, a short code (shown to
the person too, so an operator can find the line) and where in our code it happened —
never the message. `install` puts the same rule under every logger, third-party too.
"""

from __future__ import annotations

import logging
import secrets
import sys
import traceback
from types import TracebackType

_ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


def short_code() -> str:
    """A short random code that ties a person's "something went wrong" to one log line."""
    return secrets.token_hex(3).upper()


def describe(exc: BaseException) -> str:
    """The exception's type, its causes' types and where it was raised: no message."""
    parts = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frames = traceback.extract_tb(current.__traceback__)[-4:]
        where = " < ".join(f"{_short(f.filename)}:{f.lineno} {f.name}" for f in reversed(frames))
        parts.append(f"{type(current).__module__}.{type(current).__qualname__}"
                     + (f" at {where}" if where else ""))  # fmt: skip
        current = current.__cause__ or current.__context__
    return " | caused by ".join(parts)


def _short(path: str) -> str:
    for marker in ("/site-packages/", "/bot/", "/handlers/", "/storage/"):
        if marker in path:
            head = "" if marker == "/site-packages/" else marker.strip("/") + "/"
            return head + path.split(marker, 1)[1]
    return path.rsplit("/", 1)[-1]


def log_failure(logger: logging.Logger, what: str, exc: BaseException, **ids: object) -> str:
    """Log a failure as type + ids + code + location; returns the code."""
    code = short_code()
    fields = " ".join(f"{k}={v}" for k, v in ids.items())
    logger.error("%s failed %s code=%s error=%s", what, fields, code, describe(exc))
    return code


class SafeFormatter(logging.Formatter):
    """Formats tracebacks as types and locations only (the messages may hold report text)."""

    def formatException(self, ei: _ExcInfo | tuple[None, None, None]) -> str:
        """The exception chain without messages."""
        exc = ei[1]
        return "" if exc is None else "  " + describe(exc)

    def formatStack(self, stack_info: str) -> str:
        """Stack traces show code, not data: keep them."""
        return stack_info


class ExceptionArgsFilter(logging.Filter):
    """An exception passed as a log argument ("failed: %s", exc) is shown as its type only."""

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite exception arguments in place; never drops a record."""
        if isinstance(record.msg, BaseException):
            record.msg = f"<{type(record.msg).__name__}>"
        args = record.args
        if isinstance(args, tuple) and any(isinstance(a, BaseException) for a in args):
            record.args = tuple(
                f"<{type(a).__name__}>" if isinstance(a, BaseException) else a for a in args
            )
        elif isinstance(args, BaseException):  # pragma: no cover - logging unwraps 1-tuples
            record.args = (f"<{type(args).__name__}>",)
        return True


def install(level: int = logging.INFO) -> None:
    """Configure the root logger: stderr, safe formatting for every logger."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(SafeFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(ExceptionArgsFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    quiet_leaky_loggers()


# Third-party loggers that put data in their messages below these levels: httpx/httpcore
# log request URLs (Telegram's carry the bot token), python-telegram-bot logs call
# parameters at DEBUG (message texts), aiosqlite logs every statement with its parameters
# at DEBUG, aiohttp's access log shows webhook paths.
LEAKY = {"httpx": logging.WARNING, "httpcore": logging.WARNING, "telegram": logging.INFO,
         "aiosqlite": logging.INFO, "sqlalchemy": logging.WARNING,
         "aiohttp.access": logging.WARNING, "alembic": logging.WARNING}  # fmt: skip


def quiet_leaky_loggers() -> None:
    """Raise the levels of the loggers in LEAKY, whatever the root level is."""
    for name, lowest in LEAKY.items():
        logging.getLogger(name).setLevel(lowest)
