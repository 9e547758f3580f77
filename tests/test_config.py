"""Settings: the environment names are a contract; bad values fail with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bot.config import ConfigurationError, load_settings

CASES = [
    # (label, environment, expected DATABASE_URL or error fragment)
    ("default sqlite", {}, "sqlite+aiosqlite:///data/prasan.db"),
    ("postgres scheme", {"DATABASE_URL": "postgres://u:p@db/x"}, "postgresql+asyncpg://u:p@db/x"),
    ("postgresql scheme", {"DATABASE_URL": "postgresql://db/x"}, "postgresql+asyncpg://db/x"),
    ("plain sqlite", {"DATABASE_URL": "sqlite:////tmp/x.db"}, "sqlite+aiosqlite:////tmp/x.db"),
]
ERRORS = [
    ("port not a number", {"PORT": "eighty"}, "PORT"),
    ("port out of range", {"PORT": "70000"}, "PORT"),
    ("unknown zone", {"PRASAN_TIMEZONE": "Asia/Pattani"}, "PRASAN_TIMEZONE"),
    ("unknown language", {"PRASAN_LANGUAGE": "fr"}, "PRASAN_LANGUAGE"),
    ("mysql url", {"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
    ("api url without scheme", {"TELEGRAM_API_URL": "api.telegram.org"}, "TELEGRAM_API_URL"),
]


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    for name in list(os.environ):
        if name.startswith(("TELEGRAM_", "LINE_", "PRASAN_")) or name in ("DATABASE_URL", "PORT"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # type: ignore[arg-type]


@pytest.mark.parametrize(("label", "env", "expected"), CASES, ids=[c[0] for c in CASES])
def test_database_url(monkeypatch: pytest.MonkeyPatch, label: str, env: dict[str, str],
                      expected: str) -> None:  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert load_settings().DATABASE_URL == expected


@pytest.mark.parametrize(("label", "env", "name"), ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_values_name_the_variable(monkeypatch: pytest.MonkeyPatch, label: str,
                                      env: dict[str, str], name: str) -> None:  # fmt: skip
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigurationError) as err:
        load_settings()
    assert str(err.value).startswith(name + ":")


def test_secrets_never_printed(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    secret = "123456:SECRET-TOKEN-VALUE"
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": secret, "LINE_CHANNEL_SECRET": "line-secret-xyz",
           "PORT": "not-a-port"}  # fmt: skip
    proc = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade"], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0  # one clear line
    assert "PORT" in proc.stderr
    assert secret not in proc.stderr + proc.stdout and "line-secret" not in proc.stderr


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    from pathlib import Path

    Path(".env").write_text("PORT=9090\nPRASAN_LANGUAGE=en\n")
    settings = load_settings()
    assert settings.PORT == 9090 and settings.PRASAN_LANGUAGE == "en"
    assert not settings.telegram_enabled and not settings.line_enabled
