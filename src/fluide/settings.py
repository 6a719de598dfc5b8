"""Every setting of the service, from ``FLUIDE_*`` environment variables.

Unsafe values fail at start-up with a message saying what to set, rather than
at the first request: a bad database URL, or no signing secret outside demo
mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

MIN_SECRET_LENGTH = 32
DEMO_SECRET = "fluide-demo-secret-not-for-production-0000"  # noqa: S105 - demo mode only


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fluide"


class SettingsError(ValueError):
    """A setting that cannot be used; the message says which and what to do."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLUIDE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    secret_key: SecretStr | None = None
    demo: bool = False
    public_url: str = "http://127.0.0.1:8000"
    fatigue_days: int = Field(default=14, ge=1, le=365)
    default_timezone: str = "Europe/Paris"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("FLUIDE_PUBLIC_URL must start with http:// or https://")
        return v.rstrip("/")

    @model_validator(mode="after")
    def _safe(self) -> Self:
        url = self.sqlalchemy_url
        if not url.startswith(("sqlite", "postgresql")):
            raise ValueError(
                "FLUIDE_DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST/DB, "
                f"got {self.database_url!r}"
            )
        if self.secret_key is None and not self.demo:
            raise ValueError(
                "FLUIDE_SECRET_KEY is required outside demo mode (it signs survey links); "
                'generate one with: python -c "import secrets; print(secrets.token_urlsafe(48))"'
            )
        if (
            self.secret_key is not None
            and len(self.secret_key.get_secret_value()) < MIN_SECRET_LENGTH
        ):
            raise ValueError(
                f"FLUIDE_SECRET_KEY must be at least {MIN_SECRET_LENGTH} characters long"
            )
        return self

    @property
    def sqlalchemy_url(self) -> str:
        """The SQLAlchemy URL: SQLite under the data directory unless a URL is set."""
        if not self.database_url:
            return f"sqlite:///{self.data_dir / 'fluide.db'}"
        url = self.database_url
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url[len(prefix) :]
        return url

    @property
    def secret(self) -> bytes:
        value = self.secret_key.get_secret_value() if self.secret_key else DEMO_SECRET
        return value.encode()


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a :class:`SettingsError` naming the fix."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        messages = "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors())
        raise SettingsError(messages) from None
