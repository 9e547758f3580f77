"""`prasan demo` keeps out of a database with real people unless forced (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_admin import env, one_line_error, prasan  # noqa: F401 - fixture


@pytest.mark.slow
def test_demo_refuses_a_database_with_other_people(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    first = prasan(env, tmp_path, "demo")
    assert first.returncode == 0 and "--as somchai" in first.stdout, first.stderr
    again = prasan(env, tmp_path, "demo")  # only demo people: loading again is harmless
    assert again.returncode == 0, again.stderr
    code = prasan(env, tmp_path, "invite", "--role", "coordinator", "--area", "PTN01",
                  "--name", "นิรันดร์").stdout.strip().splitlines()[-1]  # fmt: skip
    prasan(env, tmp_path, "console", "--as", "niran", stdin=f"สวัสดี\n{code}\n")
    line = one_line_error(prasan(env, tmp_path, "demo"))
    assert "holds people who are not demo people (1)" in line and "--force" in line
    forced = prasan(env, tmp_path, "demo", "--force")
    assert forced.returncode == 0 and "--as somchai" in forced.stdout, forced.stderr
