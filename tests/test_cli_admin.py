"""The admin command line's rough edges (issue 13): one-line errors, BE dates, --version."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) and k != "DATABASE_URL"}  # fmt: skip
    keep.update(PYTHAINLP_OFFLINE="1", DATABASE_URL=f"sqlite:///{tmp_path / 'cli.db'}")
    return keep


def prasan(env: dict[str, str], cwd: Path, *args: str, stdin: str | None = None,
           timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=timeout)  # fmt: skip


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode != 0 and "Traceback" not in proc.stderr, proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("prasan:")]
    assert len(lines) == 1, proc.stderr
    return lines[0]


def test_version(env: dict[str, str], tmp_path: Path) -> None:
    out = prasan(env, tmp_path, "--version")
    assert out.returncode == 0 and out.stdout.startswith("prasan 0.")


def test_export_into_a_missing_folder_fails_in_one_line_and_audits_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    prasan(env, tmp_path, "demo")
    line = one_line_error(prasan(env, tmp_path, "export", "reports", "--out", "nope/r.csv"))
    assert "nope" in line and "does not exist" in line
    with sqlite3.connect(tmp_path / "cli.db") as db:
        assert db.execute("select count(*) from audit_log where action = 'export_reports'"
                          ).fetchone() == (0,)  # fmt: skip


def test_out_xlsx_implies_xlsx_and_be_dates_are_read(env: dict[str, str], tmp_path: Path) -> None:
    prasan(env, tmp_path, "demo")
    done = prasan(env, tmp_path, "export", "reports", "--out", "r.xlsx", "--since", "2569-11-01")
    assert done.returncode == 0, done.stderr
    assert "reading --since 2569-11-01 as 2026-11-01" in done.stderr
    assert load_workbook(tmp_path / "r.xlsx").active is not None


def test_database_unreachable_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    env = {**env, "DATABASE_URL": f"sqlite:///{tmp_path / 'a-file' / 'x.db'}"}
    assert "cannot reach the database" in one_line_error(prasan(env, tmp_path, "areas", "list"))
    with socket.socket() as held:  # a port nobody listens on: connection refused at once
        held.bind(("127.0.0.1", 0))
        port = held.getsockname()[1]
        env["DATABASE_URL"] = f"postgresql://u:p@127.0.0.1:{port}/x"
        line = one_line_error(prasan(env, tmp_path, "areas", "list", timeout=60))
    assert "cannot reach the database" in line and "p@" not in line


def test_port_in_use_is_one_line(env: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as held:
        held.bind(("0.0.0.0", 0))
        held.listen()
        port = held.getsockname()[1]
        line = one_line_error(prasan({**env, "PORT": str(port)}, tmp_path, "web", timeout=60))
    assert f"port {port} is already in use" in line


def test_output_piped_into_head_is_not_a_traceback(env: dict[str, str], tmp_path: Path) -> None:
    script = f"{sys.executable} -m bot nlp analyze | head -n 1"
    lines = "ประชุมแกนนำชุมชน ๒๐ คน\n" * 3000
    proc = subprocess.run(["sh", "-c", script], input=lines, env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert proc.stdout.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "BrokenPipe" not in proc.stderr


def test_console_without_as_says_who_you_are(env: dict[str, str], tmp_path: Path) -> None:
    proc = prasan(env, tmp_path, "console", stdin="สวัสดี\n")
    assert proc.returncode == 0 and "--as somchai" in proc.stderr


def test_people_list_shows_codes_and_place_names(env: dict[str, str], tmp_path: Path) -> None:
    prasan(env, tmp_path, "demo")
    people = prasan(env, tmp_path, "people", "list").stdout
    assert "PTN01 (บ้านบางปู) PTN02 (บ้านตะโละกาโปร์)" in people
    assert "province:ปัตตานี" in people and ",all" in people
