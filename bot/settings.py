"""Settings, read from the environment and `.env` (documented in `.env.example`)."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AliasChoices, Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        env_ignore_empty=True,
        populate_by_name=True,
    )

    telegram_bot_token: SecretStr | None = None
    telegram_bot_username: str | None = Field(
        default=None, description="Used in invite links printed by the command line."
    )
    telegram_api_url: str | None = Field(
        default=None,
        description=(
            "Root of the Bot API server (default https://api.telegram.org): a self-hosted "
            "telegram-bot-api server, or the sandbox when the webhook path is tested with a token."
        ),
    )
    webhook_url: str | None = None
    # The bot's one web server: /healthz, /readyz, and Telegram's webhook at /telegram.
    # WEBHOOK_LISTEN / WEBHOOK_PORT are the names older .env files use for the same thing.
    web_listen: str = Field(
        default="127.0.0.1", validation_alias=AliasChoices("web_listen", "webhook_listen")
    )
    web_port: int | None = Field(
        default=None,
        ge=0,
        le=65535,
        validation_alias=AliasChoices("web_port", "webhook_port"),
        description="Default 8443 on Telegram; offline, a free port (several sandboxes may run at once).",
    )
    # Checked even when absent (validate_default): a webhook without a secret is refused.
    webhook_secret: SecretStr | None = Field(default=None, validate_default=True)

    public_url: str | None = Field(
        default=None,
        description=(
            "The web server's public https:// base, for download links sent to Zalo people; "
            "default ZALO_WEBHOOK_URL or WEBHOOK_URL, else its local address."
        ),
    )
    zalo_bot_token: SecretStr | None = None
    zalo_api_url: str | None = Field(
        default=None, description="Root of the Zalo Bot API (default https://bot-api.zaloplatforms.com)."
    )
    zalo_webhook_url: str | None = None
    zalo_webhook_secret: SecretStr | None = Field(default=None, validate_default=True)
    admin_zalo_ids: Annotated[list[str], NoDecode] = []

    database_url: str = f"sqlite+aiosqlite:///{ROOT / 'data' / 'thidua.sqlite3'}"
    default_language: Literal["vi", "en"] = "vi"
    timezone: str = "Asia/Ho_Chi_Minh"
    admin_telegram_ids: Annotated[list[int], NoDecode] = []
    authority_name: str = "Sở Giáo dục và Đào tạo thành phố Cần Thơ"
    authority_place: str = "Cần Thơ"

    sandbox_host: str = "127.0.0.1"
    sandbox_port: int = Field(default=8080, ge=0, le=65535)
    sandbox_url: str | None = Field(
        default=None, description="Use an already running sandbox instead of starting one."
    )
    demo_data: bool = True

    ballot_master_key: SecretStr | None = None
    # The key in a file instead (a container secret, e.g. /run/secrets/ballot_master_key): never on
    # the database's volume, never in a backup.
    ballot_master_key_file: Path | None = None
    # Files the bot keeps itself (evidence, exports): on a volume of its own, backed up with the database.
    file_store_dir: Path = ROOT / "data" / "files"
    invite_ttl_hours: int = Field(default=168, ge=1, le=24 * 90)
    poll_progress_seconds: float = Field(default=15, gt=0, le=600)
    # How often due reminder pings are looked for: a ping is at most this late.
    reminder_sweep_seconds: float = Field(default=30, gt=0, le=3600)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # auto: JSON lines, or plain text when the log goes to a terminal.
    log_format: Literal["auto", "json", "text"] = "auto"
    # The bot's work is CPU on one event loop: 16 in flight already overlap every wait for the
    # network or the database. More only lengthens each turn of the loop, and with it the time
    # the one writer (a cast) holds the database: 500 casts at once ran about twice as fast at 16.
    concurrent_updates: int = Field(
        default=16, ge=1, le=256, description="Updates of different people handled at once."
    )

    @field_validator("webhook_secret")
    @classmethod
    def _webhook_needs_a_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        # Without the secret, anyone who learns the webhook URL can post updates as any user,
        # a ballot's cast button included.
        if value is None:
            if info.data.get("webhook_url"):
                raise ValueError("is required when WEBHOOK_URL is set (1-256 of A-Z a-z 0-9 _ -)")
            return value
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("must be 1-256 characters of A-Z a-z 0-9 _ - (Telegram refuses others)")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_webhook_needs_a_secret(cls, value: SecretStr | None, info: ValidationInfo) -> SecretStr | None:
        if value is None:
            if info.data.get("zalo_webhook_url"):
                raise ValueError("is required when ZALO_WEBHOOK_URL is set (8-256 characters)")
            return value
        if not 8 <= len(value.get_secret_value()) <= 256:
            raise ValueError("must be 8-256 characters (Zalo refuses others)")
        return value

    @field_validator("admin_telegram_ids", "admin_zalo_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("telegram_api_url", "zalo_api_url")
    @classmethod
    def _api_root(cls, value: str | None) -> str | None:
        if value is None:
            return None
        root = value.strip().rstrip("/")
        if not root.startswith(("http://", "https://")):
            raise ValueError("must be an http:// or https:// URL, e.g. http://127.0.0.1:8081")
        if root.endswith("/bot"):
            # The bot appends /bot<token>/<method> itself; a copied PTB base_url would double it.
            raise ValueError("must be the server's root, without the trailing /bot")
        return root

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        return async_database_url(value)

    @field_validator("ballot_master_key")
    @classmethod
    def _master_key_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value():
            import base64
            import binascii

            raw = value.get_secret_value().strip()
            try:
                decoded = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
            except (binascii.Error, ValueError) as exc:
                raise ValueError("must be base64 of 32 random bytes") from exc
            if len(decoded) != 32:
                raise ValueError("must be base64 of exactly 32 bytes (try: thidua keygen)")
        return value

    @property
    def telegram_enabled(self) -> bool:
        return self.telegram_bot_token is not None and bool(self.telegram_bot_token.get_secret_value())

    @property
    def zalo_enabled(self) -> bool:
        return self.zalo_bot_token is not None and bool(self.zalo_bot_token.get_secret_value())

    @property
    def sandbox_mode(self) -> bool:
        """Neither platform's token: the offline sandbox stands in for both."""
        return not self.telegram_enabled and not self.zalo_enabled

    @property
    def web_port_or_default(self) -> int:
        if self.web_port is not None:
            return self.web_port
        return 0 if self.sandbox_mode else 8443

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


def async_database_url(url: str) -> str:
    """Accept the URLs people write (postgresql://, sqlite:///) and pick the async drivers."""
    for plain, driver in (
        ("postgresql://", "postgresql+asyncpg://"),
        ("postgres://", "postgresql+asyncpg://"),
        ("postgresql+psycopg://", "postgresql+asyncpg://"),
        ("sqlite://", "sqlite+aiosqlite://"),
    ):
        if url.startswith(plain):
            return driver + url[len(plain) :]
    if not url.startswith(("postgresql+asyncpg://", "sqlite+aiosqlite://")):
        raise ValueError("must be a sqlite:/// or postgresql:// URL")
    return url


def master_key(settings: Settings) -> bytes:
    """The ballot master key: from BALLOT_MASTER_KEY, or, offline only, a key kept in keys/.

    On Telegram it is required: a poll opened under a key that is later lost can never be counted.
    """
    from bot.ballot_crypto import new_master_key, parse_master_key

    if settings.ballot_master_key is not None:
        return parse_master_key(settings.ballot_master_key.get_secret_value())
    if settings.ballot_master_key_file is not None:
        check_key_file(settings.ballot_master_key_file, settings.database_url)
        try:
            written = settings.ballot_master_key_file.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(
                f"Setting BALLOT_MASTER_KEY_FILE is invalid: cannot read {settings.ballot_master_key_file}"
            ) from exc
        return parse_master_key(written)
    if not settings.sandbox_mode:
        raise SettingsError(
            "Setting BALLOT_MASTER_KEY is required on Telegram (make one with: thidua keygen)"
        )
    return parse_master_key(_offline_key(settings, new_master_key))


# Offline, the key lives in keys/, beside data/ and not in it: a copy of data/ (a backup, a
# zip sent for help) must not carry both the sealed ballots and the key that opens them.
OFFLINE_KEY_FILE = ROOT / "keys" / "ballot-master.key"
OLD_OFFLINE_KEY_FILE = ROOT / "data" / "ballot-master.key"  # where it was kept before issue 15


def _offline_key(settings: Settings, new_key: Callable[[], str]) -> str:
    path = OFFLINE_KEY_FILE
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if OLD_OFFLINE_KEY_FILE.exists():  # move it, so the polls opened under it can still be counted
            os.replace(OLD_OFFLINE_KEY_FILE, path)
            path.chmod(0o600)
        else:  # created 0600: never readable by others, not even between the write and a chmod
            with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
                out.write(new_key() + "\n")
    check_key_file(path, settings.database_url)
    return path.read_text(encoding="ascii").strip()


def check_key_file(path: Path, database_url: str) -> None:
    """Refuse (one line) a key file in the SQLite database's folder that group or others may read."""
    from sqlalchemy.engine import make_url

    database = make_url(database_url).database if database_url.startswith("sqlite") else None
    if not database or database == ":memory:":
        return
    folder = Path(database).resolve().parent
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if path.resolve().is_relative_to(folder) and mode & 0o077:
        raise SettingsError(
            f"The ballot master key {path} lies in the database's folder {folder} with mode {mode:o}: "
            f"move it out of that folder (or chmod 600 it)"
        )


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line that names it."""


def load_settings(**overrides: object) -> Settings:
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "?"
        raise SettingsError(f"Setting {name} is invalid: {first['msg']}") from exc
