"""Architecture rules that keep flows channel-agnostic."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = ("telegram", "linebot", "aiohttp", "aiosqlite", "asyncpg", "sqlalchemy", "httpx")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_handlers_import_no_platform_sdk_web_framework_or_driver() -> None:
    offenders = {
        f"{path.relative_to(ROOT)}: {mod}"
        for path in (ROOT / "handlers").rglob("*.py")
        for mod in imported_modules(path)
        if mod.split(".")[0] in FORBIDDEN
    }
    assert offenders == set()


def test_core_runtime_does_not_import_platform_sdks() -> None:
    # Only the adapters may load a platform SDK: a console-only install never needs them.
    core = ["bot/inbound.py", "bot/outbox.py", "bot/runtime.py", "bot/messages.py"]
    offenders = {
        f"{name}: {mod}"
        for name in core
        for mod in imported_modules(ROOT / name)
        if mod.split(".")[0] in ("telegram", "linebot")
    }
    assert offenders == set()
