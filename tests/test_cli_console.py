"""A bare number in a fresh `prasan console` presses the buttons shown last (issue 13)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_cli_admin import env, prasan  # noqa: F401 - fixture


@pytest.mark.slow
def test_numbers_press_the_buttons_of_an_earlier_process(
    env: dict[str, str],  # noqa: F811 - the fixture
    tmp_path: Path,
) -> None:
    prasan(env, tmp_path, "demo")
    first = prasan(env, tmp_path, "console", "--as", "somchai", stdin="/start\n")
    assert "[6] 🌐 ภาษา" in first.stdout, first.stderr
    second = prasan(env, tmp_path, "console", "--as", "somchai", stdin="6\n")  # a new process
    assert "[2] English" in second.stdout, second.stdout
    third = prasan(env, tmp_path, "console", "--as", "somchai", stdin="2\n")
    assert "in English from now on" in third.stdout, third.stdout
    # Another person's buttons are their own: fatimah has seen none, so "2" is typed text.
    other = prasan(env, tmp_path, "console", "--as", "fatimah", stdin="2\n")
    assert "English from now on" not in other.stdout
