"""Settings from the environment (and a .env file); the names are an operator contract."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.cron import cron_trigger, daily_at

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
    PORT: int = Field(default=8080, ge=0, le=65535)  # 0: any free port (logged; tests)
    PRASAN_TIMEZONE: str = "Asia/Bangkok"
    PRASAN_LANGUAGE: str = "th"
    # Public https base URL of the web server (LINE fetches images from it).
    PRASAN_PUBLIC_URL: str | None = None
    # Scheduled jobs: standard 5-field crontab lines in PRASAN_TIMEZONE; empty turns a job off.
    PRASAN_REPORT_PERIOD: str = "week"
    PRASAN_REMINDER_CRON: str = "0 15 * * thu"
    PRASAN_LAST_CALL_CRON: str = "30 15 * * fri"  # after Friday prayers
    PRASAN_DAILY_DIGEST_CRON: str = "0 8 * * *"  # the job itself skips non-working days
    PRASAN_WEEKLY_DIGEST_CRON: str = "0 8 * * mon"
    # Meeting notices and reminders: often, so a reminder goes out close to its moment.
    PRASAN_MEETING_CRON: str = "* * * * *"
    PRASAN_MEDIA_CLEANUP_CRON: str = "15 3 * * *"  # deletes images older than 30 days
    # A run missed while no worker was up is caught up once if the worker returns in time.
    PRASAN_JOB_GRACE: str = "6h"
    # The outbox keeps retrying a message this long after its first failure, then gives up
    # on it (dead letter, admins alerted, `prasan outbox retry` re-queues).
    PRASAN_GIVE_UP_AFTER: str = "24h"
    # When set, GET /metrics wants `Authorization: Bearer <token>`.
    PRASAN_METRICS_TOKEN: SecretStr | None = None
    # Who holds a sender's leases (default host:role); set it when several processes with
    # the same role share a host, so a restart takes back only its own.
    PRASAN_INSTANCE: str | None = Field(default=None, max_length=64)
    # Rehearsals and end-to-end tests: the process's clock starts at this moment (ISO 8601
    # with an offset) and runs on from there; jobs see that time. Unset: the real time.
    PRASAN_CLOCK_START: str | None = None
    # An unacknowledged high-urgency problem goes to the admins after this much working time.
    PRASAN_ESCALATE_AFTER: str = "24h"
    PRASAN_ESCALATE_CRON: str = "*/15 * * * *"
    # Report photos larger than this are not kept (LINE's own limit is 10 MB).
    PRASAN_MAX_PHOTO_MB: float = Field(default=10, gt=0, le=50)
    # Reports older than this lose their free text, photos and precise location.
    PRASAN_RETENTION_DAYS: int = Field(default=730, ge=1)
    PRASAN_RETENTION_CRON: str = "30 2 * * *"  # daily, at night

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
        if not value:
            return None
        parts = urlsplit(value)
        # Telegram itself only calls https; http is for a local reverse proxy or a test.
        if parts.scheme == "https" or (parts.scheme == "http" and _loopback(parts.hostname)):
            return value
        raise ValueError("expected an https:// URL (http only for localhost)")

    @field_validator(
        "PRASAN_REMINDER_CRON", "PRASAN_LAST_CALL_CRON", "PRASAN_DAILY_DIGEST_CRON",
        "PRASAN_WEEKLY_DIGEST_CRON", "PRASAN_MEETING_CRON", "PRASAN_ESCALATE_CRON",
        "PRASAN_MEDIA_CLEANUP_CRON", "PRASAN_RETENTION_CRON",
    )  # fmt: skip
    @classmethod
    def _cron(cls, value: str) -> str:
        value = " ".join(value.split())
        if value:
            cron_trigger(value, ZoneInfo("UTC"))  # raises ValueError naming what is wrong
        return value

    @field_validator("PRASAN_JOB_GRACE", "PRASAN_GIVE_UP_AFTER", "PRASAN_ESCALATE_AFTER")
    @classmethod
    def _duration(cls, value: str) -> str:
        parse_duration(value)
        return value

    @field_validator("PRASAN_REPORT_PERIOD")
    @classmethod
    def _period(cls, value: str) -> str:
        if value not in ("week", "month"):
            raise ValueError("expected week or month")
        return value

    @field_validator("PRASAN_CLOCK_START")
    @classmethod
    def _clock_start(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            raise ValueError(
                "expected an ISO 8601 time such as 2026-12-03T15:00:00+07:00"
            ) from None
        if moment.tzinfo is None:
            raise ValueError("expected a time with its offset, such as +07:00")
        return value

    @field_validator("PRASAN_PUBLIC_URL")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("expected an https:// URL")
        return value.rstrip("/") if value else None

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
    def job_grace(self) -> timedelta:
        """How late a missed scheduled run may still be caught up."""
        return parse_duration(self.PRASAN_JOB_GRACE)

    # A reminder due on a coordinator's holiday moves to their next working day, so the jobs
    # look every day at the crontab's time; the job knows whether the reminder is due yet.
    @property
    def reminder_check_cron(self) -> str:
        """When the reminder job looks for coordinators to remind (daily, at the cron's time)."""
        return daily_at(self.PRASAN_REMINDER_CRON)

    @property
    def last_call_check_cron(self) -> str:
        """When the last-call job looks (daily, at PRASAN_LAST_CALL_CRON's time)."""
        return daily_at(self.PRASAN_LAST_CALL_CRON)

    @property
    def give_up_after(self) -> timedelta:
        """How long the outbox keeps retrying a failing message."""
        return parse_duration(self.PRASAN_GIVE_UP_AFTER)

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


def _loopback(host: str | None) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host or "").is_loopback
    except ValueError:
        return False


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value: str) -> timedelta:
    """'6h', '90m', '3600s', '2d' or plain seconds ('3600') as a timedelta."""
    text = value.strip().lower()
    unit = text[-1:] if text[-1:] in _UNITS else "s"
    number = text[:-1] if text[-1:] in _UNITS else text
    try:
        amount = float(number)
    except ValueError:
        raise ValueError("expected a duration such as 6h, 90m or 3600s") from None
    if amount < 0:
        raise ValueError("expected a duration such as 6h, 90m or 3600s")
    return timedelta(seconds=amount * _UNITS[unit])


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
