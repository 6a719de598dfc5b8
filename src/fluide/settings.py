"""Every setting of the service, from ``FLUIDE_*`` environment variables.

Unsafe values fail at start-up with a message saying what to set, rather than
at the first request: a bad database URL, or no signing secret outside demo
mode.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from fluide.i18n import N_

MIN_SECRET_LENGTH = 32
MIN_SECRET_DISTINCT = 6
"""Fewer distinct characters than this is a placeholder ("xxxx…", "aaaa…"), not a key."""
DEMO_SECRET = "fluide-demo-secret-not-for-production-0000"  # noqa: S105 - demo mode only


def default_data_dir() -> Path:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fluide"


_GENERATE = 'python -c "import secrets; print(secrets.token_urlsafe(48))"'
PROBLEMS = {
    "bad_public_url": N_("FLUIDE_PUBLIC_URL must start with http:// or https://, got %(value)s."),
    "bad_database_url": N_(
        "FLUIDE_DATABASE_URL must be sqlite:///PATH or postgresql://USER@HOST/DB, got %(value)s."
    ),
    "missing_secret": N_(
        "FLUIDE_SECRET_KEY is required outside demo mode (it signs survey links); "
        "generate one with: %(command)s"
    ),
    "short_secret": N_("FLUIDE_SECRET_KEY must be at least %(min)s characters long."),
    "secret_whitespace": N_(
        "FLUIDE_SECRET_KEY starts or ends with spaces or a line break: remove them "
        "(a key pasted with its newline is another key)."
    ),
    "weak_secret": N_(
        "FLUIDE_SECRET_KEY is too predictable (%(count)s different characters): "
        "generate one with: %(command)s"
    ),
    "invalid": N_("%(field)s: %(problem)s"),
    "helpdesk_override": N_(
        "FLUIDE_HELPDESK_BASE_URL_OVERRIDE sends every help-desk request to another server: it "
        "is for tests against a local fake only, and needs FLUIDE_WEBHOOK_ALLOW_PRIVATE=true "
        "(never in production); it must be http(s)://HOST[:PORT] without a path, got %(value)s."
    ),
}
"""English msgids of each start-up problem, translated where they are shown."""


class _Problem(ValueError):
    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


class SettingsError(ValueError):
    """Settings that cannot be used; each problem says which and what to do."""

    def __init__(self, problems: list[tuple[str, dict[str, object]]]) -> None:
        self.problems = problems
        super().__init__(self.text("en"))

    def text(self, lang: str) -> str:
        from fluide.i18n import gettext

        return " ".join(gettext(lang, PROBLEMS[code], **params) for code, params in self.problems)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FLUIDE_", extra="ignore")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str | None = None
    secret_key: SecretStr | None = None
    # Former secret keys, comma-separated: stored secrets they encrypted are still read
    # (until `fluide secrets reencrypt` rewrites them under FLUIDE_SECRET_KEY).
    previous_secret_keys: SecretStr | None = None
    demo: bool = False
    public_url: str = "http://127.0.0.1:8000"
    fatigue_days: int = Field(default=14, ge=1, le=365)
    default_timezone: str = "Europe/Paris"
    smtp_url: SecretStr | None = None  # smtp://user:pass@host:587?starttls=1, smtps://…:465
    mail_from: str = "Fluide <ces@localhost>"
    # auto: a worker inside `fluide serve` on SQLite; `fluide worker` processes on PostgreSQL.
    worker: Literal["auto", "inline", "external"] = "auto"
    # A delivery a worker took but did not finish (it died) may be taken again after this.
    delivery_lease_seconds: int = Field(default=300, ge=5, le=86400)
    # Events one signed user's browser may send through the widget per minute (all servers).
    browser_events_per_minute: int = Field(default=30, ge=1, le=10000)
    # Chat webhooks may target loopback and private networks (10/8, 192.168/16, fc00::/7…),
    # and plain http:// there. Only for a self-hosted install whose workspace admins are
    # all trusted: they could then make the server post to its own network.
    webhook_allow_private: bool = False
    # Tests only: every help-desk request (Zendesk, HubSpot) goes to this http(s)://HOST:PORT
    # (a local fake of the vendor) instead of the vendor. Refused without
    # FLUIDE_WEBHOOK_ALLOW_PRIVATE, so a production install never has it.
    helpdesk_base_url_override: str | None = None
    # Largest request body (API, widget, survey, dashboard forms): 413 past it.
    max_body_bytes: int = Field(default=1_048_576, ge=65_536, le=104_857_600)
    # Database connections of one server process: kept open, and extra ones opened under
    # load. A request that waits past the timeout for one (or, on SQLite, for its write
    # turn) gets a 503.
    db_pool_size: int = Field(default=10, ge=1, le=500)
    db_max_overflow: int = Field(default=10, ge=0, le=500)
    db_pool_timeout: float = Field(default=2.0, gt=0, le=60)
    # Requests one server process handles at once; more wait in line at most
    # `queue_timeout` seconds, then get a 503 with Retry-After (back-pressure, not collapse).
    max_concurrent_requests: int = Field(default=64, ge=1, le=10_000)
    queue_timeout: float = Field(default=2.0, gt=0, le=60)
    # On SIGTERM: requests in flight get this long to finish before the process exits.
    shutdown_timeout: float = Field(default=20.0, ge=1, le=600)
    # GET /metrics (Prometheus text format). Off unless set; with a token, only
    # `Authorization: Bearer TOKEN` gets it.
    metrics: bool = False
    metrics_token: SecretStr | None = None
    # text: one line per record (default); json: one JSON object per line with request_id.
    log_format: Literal["text", "json"] = "text"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise _Problem("bad_public_url", value=v)
        return v.rstrip("/")

    @model_validator(mode="after")
    def _safe(self) -> Self:
        url = self.sqlalchemy_url
        if not url.startswith(("sqlite", "postgresql")):
            raise _Problem("bad_database_url", value=self.database_url)
        if self.secret_key is None and not self.demo:
            raise _Problem("missing_secret", command=_GENERATE)
        if self.secret_key is not None:
            _check_secret(self.secret_key.get_secret_value())
        override = self.helpdesk_base_url_override
        if override is not None and (
            not self.webhook_allow_private
            or not re.fullmatch(r"https?://[A-Za-z0-9.\-\[\]:]+", override)
        ):
            raise _Problem("helpdesk_override", value=override)
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

    @property
    def previous_secrets(self) -> tuple[bytes, ...]:
        """The keys of ``FLUIDE_PREVIOUS_SECRET_KEYS``, in the order written."""
        raw = self.previous_secret_keys.get_secret_value() if self.previous_secret_keys else ""
        return tuple(k.strip().encode() for k in raw.split(",") if k.strip())


def _check_secret(value: str) -> None:
    """Refuse a key that only looks long: padded with blanks, or one character repeated."""
    if value != value.strip():
        raise _Problem("secret_whitespace")
    if sum(not c.isspace() for c in value) < MIN_SECRET_LENGTH:
        raise _Problem("short_secret", min=MIN_SECRET_LENGTH)
    if len(set(value)) < MIN_SECRET_DISTINCT:
        raise _Problem("weak_secret", count=len(set(value)), command=_GENERATE)


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment, or a :class:`SettingsError` naming the fix."""
    from pydantic import ValidationError

    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems: list[tuple[str, dict[str, object]]] = []
        for e in exc.errors():
            cause = (e.get("ctx") or {}).get("error")
            if isinstance(cause, _Problem):
                problems.append((cause.code, cause.params))
            else:
                field = "FLUIDE_" + "_".join(str(p) for p in e.get("loc", ())).upper()
                problems.append(("invalid", {"field": field, "problem": e.get("msg", "")}))
        raise SettingsError(problems) from None
