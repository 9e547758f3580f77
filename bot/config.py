"""Settings from the environment (and a .env file); the names are an operator contract."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

LANGUAGES = ("th", "en", "ms")


class ConfigurationError(Exception):
    """A setting is missing or malformed; the message names the variable, never its value."""


class Settings(BaseSettings):
    """Everything Prasan reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore", case_sensitive=True)

    DATABASE_URL: str = Field(default="")
    TELEGRAM_BOT_TOKEN: SecretStr | None = None
    TELEGRAM_API_URL: str = "https://api.telegram.org/bot"
    TELEGRAM_FILE_URL: str = "https://api.telegram.org/file/bot"
    TELEGRAM_WEBHOOK_URL: str | None = None
    TELEGRAM_WEBHOOK_SECRET: SecretStr | None = None
    LINE_CHANNEL_SECRET: SecretStr | None = None
    LINE_CHANNEL_ACCESS_TOKEN: SecretStr | None = None
    LINE_API_URL: str = "https://api.line.me"
    LINE_DATA_API_URL: str = "https://api-data.line.me"
    PORT: int = Field(default=8080, ge=1, le=65535)
    PRASAN_TIMEZONE: str = "Asia/Bangkok"
    PRASAN_LANGUAGE: str = "th"
    # Reports older than this lose their free text, photos and precise location.
    PRASAN_RETENTION_DAYS: int = Field(default=730, ge=1)

    @field_validator("DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if not value:
            return "sqlite+aiosqlite:///" + str(Path("data") / "prasan.db")
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+asyncpg://" + value[len("postgresql://") :]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            value = "sqlite+aiosqlite://" + value[len("sqlite://") :]
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected a sqlite:/// or postgresql:// URL")
        return value

    @field_validator("TELEGRAM_API_URL", "TELEGRAM_FILE_URL", "LINE_API_URL", "LINE_DATA_API_URL")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http:// or https:// URL")
        return value

    @field_validator("TELEGRAM_WEBHOOK_URL")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if value and not value.startswith("https://") and not value.startswith("http://"):
            raise ValueError("expected an https:// URL")
        return value or None

    @field_validator("PRASAN_TIMEZONE")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("expected an IANA time zone such as Asia/Bangkok") from exc
        return value

    @field_validator("PRASAN_LANGUAGE")
    @classmethod
    def _language(cls, value: str) -> str:
        if value not in LANGUAGES:
            raise ValueError("expected one of " + ", ".join(LANGUAGES))
        return value

    @property
    def timezone(self) -> ZoneInfo:
        """The zone people read dates in."""
        return ZoneInfo(self.PRASAN_TIMEZONE)

    @property
    def telegram_enabled(self) -> bool:
        """Telegram runs when its token is set."""
        return bool(self.TELEGRAM_BOT_TOKEN and self.TELEGRAM_BOT_TOKEN.get_secret_value())

    @property
    def line_enabled(self) -> bool:
        """LINE runs when both its secret and access token are set."""
        return bool(
            self.LINE_CHANNEL_SECRET
            and self.LINE_CHANNEL_ACCESS_TOKEN
            and self.LINE_CHANNEL_SECRET.get_secret_value()
            and self.LINE_CHANNEL_ACCESS_TOKEN.get_secret_value()
        )


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]) or "settings"
            reason = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {reason}")
        raise ConfigurationError("; ".join(lines)) from None
