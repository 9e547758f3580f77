"""Run `prasan` commands inside the test process, as the shell would run them.

A `python -m bot` process costs 1–2 s of imports; the CLI tests run hundreds of commands. Running
`bot.cli.main` in-process gives the same arguments, environment, working directory, stdin,
stdout, stderr and exit code for a fraction of that. What only a real process shows (the entry
point, a traceback on stderr, a signal, a broken pipe) stays tested with subprocesses.
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path


def cli_env(db: Path | str) -> dict[str, str]:
    """The environment of a shell with no platform configured and DATABASE_URL set."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    url = db if isinstance(db, str) else f"sqlite:///{db}"
    return env | {"PYTHAINLP_OFFLINE": "1", "DATABASE_URL": url}


@contextmanager
def _environment(env: dict[str, str], cwd: Path) -> Iterator[None]:
    from bot import cli_text

    saved_env, saved_cwd = dict(os.environ), os.getcwd()
    saved_language = cli_text._current[0]  # `main` sets the CLI's language for the process
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
        os.chdir(saved_cwd)
        # `main` points the root logger at the captured stderr; give pytest its handlers back.
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
        cli_text._current[0] = saved_language


def run_in_process(
    args: tuple[str, ...] | list[str], env: dict[str, str], cwd: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """`prasan *args` with this env, cwd and stdin, as a CompletedProcess (text mode)."""
    from bot.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", newline="", write_through=True)
    stdin_stream = io.TextIOWrapper(io.BytesIO((stdin or "").encode("utf-8")), encoding="utf-8")
    code: list[int] = []
    error: list[BaseException] = []

    def target() -> None:  # `main` runs its own event loop: not in the test's loop thread
        saved_in = sys.stdin
        sys.stdin = stdin_stream
        try:
            with redirect_stdout(stdout), redirect_stderr(stderr):
                code.append(main(list(args)))
        except SystemExit as exc:  # argparse's usage errors
            code.append(exc.code if isinstance(exc.code, int) else 1 if exc.code else 0)
        except BaseException as exc:  # re-raised in the test: a traceback is a failure
            error.append(exc)
        finally:
            sys.stdin = saved_in

    with _environment(env, cwd):
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    if error:
        raise error[0]
    return subprocess.CompletedProcess(
        ["prasan", *args], code[0], out.getvalue().decode("utf-8"), err.getvalue().decode("utf-8")
    )
