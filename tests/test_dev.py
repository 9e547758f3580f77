"""dev.py's .venv handling (issue 13): another Python rebuilds it; try and test share one install."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def dev(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[ModuleType, list[str]]:
    spec = importlib.util.spec_from_file_location("dev_under_test", ROOT / "dev.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    venv_dir = tmp_path / ".venv"
    monkeypatch.setattr(module, "ROOT", tmp_path)
    monkeypatch.setattr(module, "VENV", venv_dir)
    monkeypatch.setattr(module, "PY", venv_dir / "bin" / "python")
    events: list[str] = []

    def create(path: Path, **_: object) -> None:
        (path / "bin").mkdir(parents=True, exist_ok=True)
        (path / "bin" / "python").symlink_to(sys.executable)
        v = sys.version_info
        (path / "pyvenv.cfg").write_text(f"home = /x\nversion = {v.major}.{v.minor}.{v.micro}\n")
        events.append("create")

    monkeypatch.setattr(module.venv, "create", create)
    monkeypatch.setattr(
        module, "run", lambda *cmd, env=None: events.append(" ".join(map(str, cmd[1:])))
    )
    return module, events


def installs(events: list[str]) -> list[str]:
    return [e.rsplit(" ", 1)[1] for e in events if "-e" in e.split()]


def test_try_and_test_alternate_without_reinstalling(dev: tuple[ModuleType, list[str]]) -> None:
    module, events = dev
    module.setup("test")
    module.setup()  # `try` after `test`: the test install serves
    module.setup("test")
    module.setup()
    assert events.count("create") == 1 and installs(events) == [".[test]"]


def test_try_first_then_test_installs_once_more_then_never(
    dev: tuple[ModuleType, list[str]],
) -> None:
    module, events = dev
    module.setup()
    module.setup("test")
    module.setup()
    module.setup("test")
    assert installs(events) == [".", ".[test]"]
    (module.ROOT / "pyproject.toml").write_text("[project]\nname = 'y'\n")
    module.setup()  # a changed pyproject reinstalls, keeping the test extra
    assert installs(events)[-1] == ".[test]"


def test_a_venv_of_another_python_is_rebuilt(dev: tuple[ModuleType, list[str]]) -> None:
    module, events = dev
    module.setup("test")
    (module.VENV / "pyvenv.cfg").write_text("home = /old\nversion = 3.9.18\n")
    module.setup("test")
    assert events.count("create") == 2 and installs(events) == [".[test]", ".[test]"]
    assert module.venv_matches(module.VENV / "pyvenv.cfg")
