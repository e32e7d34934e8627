"""Settings read from the environment and `.env` (see `.env.example`)."""

from __future__ import annotations

import re
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

Language = Literal["lv", "en", "ru"]
LANGUAGES: tuple[Language, ...] = ("lv", "en", "ru")

MAX_REMINDER_OFFSET = 60 * 24 * 28  # four weeks, in minutes

TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{30,}$")
WEBHOOK_SECRET_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts


class ConfigError(Exception):
    """A setting is missing or invalid; the message names the setting."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    database_url: str = "sqlite+aiosqlite:///./kopiena.db"
    admin_ids: Annotated[frozenset[int], NoDecode] = Field(default_factory=frozenset)
    default_language: Language = "lv"
    timezone: str = "Europe/Riga"
    telegram_api_base_url: str | None = None
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # Automatic reminders before each session, in minutes; an event's organiser may override.
    reminder_offsets_minutes: Annotated[tuple[int, ...], NoDecode] = (1440, 60)
    # Broadcast messages (reminders, announcements, surveys) per second over all chats;
    # 0 lifts the limit (a self-hosted Bot API server). One per second per chat always holds.
    broadcast_rate: float = Field(default=30.0, ge=0)
    # How long the claims of an instance (outbox messages, the sending lead, stored updates)
    # hold without renewal; after a crash they are taken again once this has passed.
    outbox_lease_seconds: int = Field(default=30, ge=2, le=3600)
    # Named in the privacy notice (/privacy): who is responsible for the data and how to
    # reach them (how long data is kept: retention_months).
    data_controller: str = ""
    data_contact: str = ""
    # Certificates: the issuing body printed on them; a yearly target of training hours
    # shown in /hours (0: no target).
    certificate_issuer: str = Field(default="Kopiena", min_length=1, max_length=150)
    learning_target_hours: int = Field(default=0, ge=0, le=2000)
    # The answers of an anonymous survey are shown (chat, chart, exports) only for sessions
    # with at least this many responses, so no one's answer stands alone.
    anonymous_min_responses: int = Field(default=3, ge=2, le=1000)
    # Forget people not seen for this many months (0: never); /privacy states it.
    retention_months: int = Field(default=0, ge=0, le=240)
    # Updates handled at once (different people; one person's updates always in order).
    update_concurrency: int = Field(default=128, ge=1, le=1024)
    # Tries of an update whose handling fails, before it is parked and the next one goes on.
    update_attempts: int = Field(default=3, ge=1, le=10)
    # Webhook mode (several instances behind a load balancer): the public HTTPS URL that
    # Telegram posts updates to, the secret it sends with each one, and where this process
    # listens. Unset WEBHOOK_URL: long polling.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    # /health and /metrics on this port (0: off); the webhook's port serves both too.
    metrics_port: int = Field(default=0, ge=0, le=65535)
    metrics_listen: str = "127.0.0.1"

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_format(cls, value: object) -> object:
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not TOKEN_PATTERN.match(value.strip()):
            raise ValueError("does not look like a token from @BotFather (digits:secret)")
        return value.strip()

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            ids = []
            for part in parts:
                if not part:
                    continue
                if not part.lstrip("-").isdigit():
                    raise ValueError(f"{part!r} is not a Telegram user id (a whole number)")
                ids.append(int(part))
            return frozenset(ids)
        return value

    @field_validator("reminder_offsets_minutes", mode="before")
    @classmethod
    def _offsets(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, list | tuple | set | frozenset):
            offsets = set()
            for part in value:
                text = str(part).strip()
                if not text.isdigit() or not 1 <= int(text) <= MAX_REMINDER_OFFSET:
                    raise ValueError(
                        f"{text!r} is not a number of minutes between 1 and {MAX_REMINDER_OFFSET}"
                    )
                offsets.add(int(text))
            return tuple(sorted(offsets, reverse=True))
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        if "://" not in value:
            raise ValueError("must be a SQLAlchemy URL such as sqlite+aiosqlite:///./kopiena.db")
        return value

    @field_validator("telegram_api_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value.strip())
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise ValueError("must be the public https:// address Telegram posts updates to")
        return value.strip()

    @field_validator("webhook_secret", mode="before")
    @classmethod
    def _webhook_secret(cls, value: object) -> object:
        if isinstance(value, SecretStr):
            value = value.get_secret_value()
        if value is None or value == "":
            return None
        if not isinstance(value, str) or not WEBHOOK_SECRET_PATTERN.match(value.strip()):
            raise ValueError("must be 1-256 characters: letters A-Z, a-z, digits, _ and -")
        return value.strip()

    @model_validator(mode="after")
    def _webhook_needs_secret(self) -> Settings:
        if self.webhook_url and self.webhook_secret is None:
            raise ValueError(
                "WEBHOOK_SECRET must be set when WEBHOOK_URL is: without it anyone could "
                "post updates to the bot (e.g. openssl rand -hex 32)"
            )
        if self.webhook_path in ("/health", "/metrics"):
            raise ValueError("WEBHOOK_URL's path must not be /health or /metrics")
        return self

    @property
    def webhook_path(self) -> str:
        """The path Telegram posts to (that of WEBHOOK_URL)."""
        return urlsplit(self.webhook_url or "").path or "/"

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def token(self) -> str:
        if self.telegram_bot_token is None:
            raise ConfigError(
                "TELEGRAM_BOT_TOKEN is not set: get one from @BotFather and put it in .env "
                "(or try the bot without Telegram: kopiena console)"
            )
        return self.telegram_bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning validation errors into one readable ConfigError."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            message = str(error["msg"]).removeprefix("Value error, ")
            if error["loc"]:
                message = f"{str(error['loc'][0]).upper()}: {message}"
            problems.append(message)  # a check of several settings names them itself
        raise ConfigError("invalid setting " + "; ".join(problems)) from None
