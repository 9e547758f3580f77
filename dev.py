#!/usr/bin/env python3
"""One-command developer tasks, needing only Python: `try` the bot, run the `test` suite.

python3 dev.py try       # set up, load demo data, chat as a demo coordinator
python3 dev.py test      # set up, run the whole test suite (--quick: skip the slow tests)
python3 dev.py bench     # set up, run the benchmarks (not part of the tests)
python3 dev.py locales   # re-extract messages and update the catalogs
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / "python"


def run(*cmd: str | Path, env: dict[str, str] | None = None) -> None:
    """Run a command in the project root; stop on failure."""
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode != 0:
        sys.exit(result.returncode)


def setup(extra: str = "") -> None:
    """Create .venv and install the project (again only when pyproject.toml changed).

    A .venv made by another Python (an upgrade, a copied checkout) is rebuilt. `test` installs
    the test extra; `try` accepts that install rather than reinstalling without it.
    """
    if PY.exists() and not venv_matches(VENV / "pyvenv.cfg"):
        print(f"» .venv was made by another Python; rebuilding it for {python_version()}",
              flush=True)  # fmt: skip
        shutil.rmtree(VENV)
    if not PY.exists():
        print("» creating .venv", flush=True)
        venv.create(VENV, with_pip=True, clear=VENV.exists())
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    stamp = VENV / ".installed"
    installed = stamp.read_text().split() if stamp.exists() else []
    if installed[:1] == [digest] and (not extra or extra in installed[1:]):
        return
    # Extras installed before stay installed, so alternating tasks never reinstall.
    extras = sorted({extra, *installed[1:]} - {""})
    spec = f".[{','.join(extras)}]" if extras else "."
    print(f"» installing {spec} into .venv (first time takes a minute)", flush=True)
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", spec)
    stamp.write_text(" ".join([digest, *extras]))


def python_version() -> str:
    """This interpreter's major.minor, as pyvenv.cfg records it."""
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def venv_matches(cfg: Path) -> bool:
    """Whether .venv was made by this Python's major.minor (and its interpreter still runs)."""
    try:
        fields = dict(line.split("=", 1) for line in cfg.read_text().splitlines() if "=" in line)
    except OSError:
        return False
    made = {k.strip(): v.strip() for k, v in fields.items()}
    version = made.get("version_info") or made.get("version") or ""
    if version.split(".")[:2] != python_version().split("."):
        return False
    return subprocess.run([str(PY), "-c", ""], capture_output=True).returncode == 0


def env() -> dict[str, str]:
    """The environment for our commands: offline pythainlp, so a missing corpus fails loudly."""
    return {**os.environ, "PYTHAINLP_OFFLINE": "1"}


def try_it(args: list[str]) -> None:
    """Demo data, then a console chat as the demo coordinator."""
    setup()
    run(BIN / "prasan", "db", "upgrade", env=env())
    # `demo` refuses a database holding real people (one line says why); the chat still opens.
    subprocess.run([str(BIN / "prasan"), "demo"], cwd=ROOT, env=env())
    who = args[0] if args else "somchai"
    os.execve(str(BIN / "prasan"), [str(BIN / "prasan"), "console", "--as", who], env())


def test(args: list[str]) -> None:
    """The whole suite (PostgreSQL cases run when PRASAN_TEST_POSTGRES_URL is set).

    `--quick` skips the slow tests (multi-process, fault injection); CI runs them all.
    """
    setup("test")
    if "--quick" in args:
        args = [a for a in args if a != "--quick"] + ["-m", "not slow"]
    # One pytest worker per CPU (pytest-xdist); `-n 0` runs in one process, e.g. to debug.
    chosen = any(a in ("-n", "--numprocesses") or a.startswith("--numprocesses=")
                 or (a.startswith("-n") and a[2:].isdigit()) for a in args)  # fmt: skip
    workers = [] if chosen else ["-n", "auto", "--dist", "worksteal"]
    run(PY, "-m", "pytest", "-q", *workers, *args, env=env())


def bench(args: list[str]) -> None:
    """Every benchmark script in benchmarks/, each printing its table."""
    setup("test")
    scripts = sorted((ROOT / "benchmarks").glob("bench_*.py"))
    for script in scripts if not args else [ROOT / "benchmarks" / a for a in args]:
        print(f"\n=== {script.name} ===", flush=True)
        run(PY, script, env=env())


def locales(args: list[str]) -> None:
    """Extract messages from the code and merge them into every catalog."""
    setup("test")
    run(PY, "-m", "babel.messages.frontend", "extract", "-F", "locales/babel.cfg",
        "-k", "t", "-k", "N_", "-k", "plural:1,2", "--no-location", "--sort-output",
        "--project", "Prasan", "--version", "0.1",
        "-o", "locales/prasan.pot", ".")  # fmt: skip
    for lang in ("th", "en", "ms"):
        po = ROOT / "locales" / lang / "LC_MESSAGES" / "prasan.po"
        action = "update" if po.exists() else "init"
        run(PY, "-m", "babel.messages.frontend", action, "-i", "locales/prasan.pot",
            "-d", "locales", "-D", "prasan", "-l", lang,
            *(["--no-fuzzy-matching", "--ignore-obsolete"] if action == "update" else []))  # fmt: skip


TASKS = {"try": try_it, "test": test, "bench": bench, "locales": locales}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        print(__doc__)
        sys.exit(2)
    TASKS[sys.argv[1]](sys.argv[2:])
