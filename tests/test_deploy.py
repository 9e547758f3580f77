"""The deployment files name real commands: Procfile entries parse, the image runs as non-root."""

from __future__ import annotations

import shlex
from pathlib import Path

from bot.cli import _parser

ROOT = Path(__file__).resolve().parent.parent


def test_procfile_runs_migrations_on_release_and_names_real_commands() -> None:
    entries = dict(
        line.split(":", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line
    )
    assert set(entries) == {"release", "web", "worker"}
    assert entries["release"].split() == ["prasan", "db", "upgrade"]
    for command in entries.values():
        argv = shlex.split(command)
        assert argv[0] == "prasan"
        _parser().parse_args(argv[1:])  # exits (fails the test) on an unknown command


def test_container_image_is_non_root_with_a_healthcheck_on_healthz() -> None:
    lines = (ROOT / "Containerfile").read_text().splitlines()
    users = [x.split()[1] for x in lines if x.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert any(x.startswith("HEALTHCHECK") for x in lines)
    assert "/healthz" in (ROOT / "Containerfile").read_text()
    for line in lines:  # every file the image copies is in the repository
        if line.startswith("COPY "):
            for source in line.split()[1:-1]:
                assert (ROOT / source).exists(), source
