"""Dates on the command line: Buddhist Era years are read, and the reading is said (issue 13)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.cli_dates import read_cli_date, read_cli_year
from tests.test_cli_admin import env, prasan  # noqa: F401 - fixture


def test_be_and_ce_dates(capsys: pytest.CaptureFixture[str]) -> None:
    assert read_cli_date("2569-11-30", "--since") == date(2026, 11, 30)
    assert "reading --since 2569-11-30 as 2026-11-30 (Buddhist Era 2569 = 2026)" in (
        capsys.readouterr().err)  # fmt: skip
    assert read_cli_date("2026-11-30", "--since") == date(2026, 11, 30)
    assert capsys.readouterr().err == ""  # nothing to explain for a CE date
    assert read_cli_date("๒๕๖๙-๑๑-๓๐", "--since") == date(2026, 11, 30)
    assert read_cli_date("2567-02-29", "--since") == date(2024, 2, 29)  # a CE leap day
    assert read_cli_date("30/11/2569", "--since") is None
    assert read_cli_year(2570, "--year") == 2027 and read_cli_year(2027, "--year") == 2027


@pytest.mark.slow
def test_every_date_option_reads_be(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    prasan(env, tmp_path, "demo")
    audit = prasan(env, tmp_path, "audit", "--since", "2569-01-01")
    assert audit.returncode == 0 and "demo_loaded" in audit.stdout
    assert "reading --since 2569-01-01 as 2026-01-01" in audit.stderr
    search = prasan(env, tmp_path, "search", "ประชุม", "--since", "2569-11-01")
    assert search.returncode == 0 and "as 2026-11-01" in search.stderr, search.stderr
    added = prasan(env, tmp_path, "holidays", "add", "2570-03-10", "--regional")
    assert added.returncode == 0 and "2027-03-10" in added.stdout, added.stderr
    listed = prasan(env, tmp_path, "holidays", "list", "--year", "2570")
    assert "2027-03-10" in listed.stdout and "reading --year 2570 as 2027" in listed.stderr
