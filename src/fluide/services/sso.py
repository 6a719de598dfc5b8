"""A workspace's single sign-on settings (OpenID Connect): read, set, remove.

The admin sets the provider's issuer URL, the client id and secret of the
application registered there, the e-mail domains whose people sign in through
it, whether someone unknown gets an account at first sign-in (and which role),
and whether password sign-in stays on. The client secret is stored sealed
(:mod:`fluide.secretbox`) and never shown back. The issuer URL follows the
webhook rules (https to a public host; loopback and private networks only with
``FLUIDE_WEBHOOK_ALLOW_PRIVATE``): the server fetches it.

Password sign-in turned off still lets the workspace's admins in with their
password: the break-glass way back when the provider is down or misconfigured.
"""

from __future__ import annotations

import re
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels.oidc_cache import PROVIDERS
from fluide.channels.outbound import Policy
from fluide.channels.webhook import url_problem_code
from fluide.i18n import N_
from fluide.services.errors import ServiceError, invalid
from fluide.settings import Settings
from fluide.storage import sso as store
from fluide.storage.db import write_session
from fluide.storage.sso_models import SsoConfig
from fluide.storage.types import utcnow

CALLBACK_PATH: Final = "/app/login/sso/callback"
NEW_USERS: Final = ("none", "agent", "analyst")
MAX_DOMAINS: Final = 50
PRINTABLE: Final = r"^[\x20-\x7e]*$"
"""Client ids and secrets are printable ASCII at every provider (no NUL reaches the database)."""
_DOMAIN: Final = re.compile(r"(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")

ISSUER_PROBLEMS: Final = {
    "too_long": N_("The issuer URL is too long (2000 characters at most)."),
    "malformed": N_("The issuer URL is not a valid URL."),
    "scheme": N_(
        "The issuer URL must start with https:// (plain http:// only to a provider on a "
        "private network when FLUIDE_WEBHOOK_ALLOW_PRIVATE=true)."
    ),
    "credentials": N_("The issuer URL must not contain a user name or password."),
    "loopback": N_(
        "The issuer URL points to this machine (loopback), which is refused unless "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "private": N_(
        "The issuer URL points to a private network or a local name, which is refused unless "
        "FLUIDE_WEBHOOK_ALLOW_PRIVATE=true."
    ),
    "link_local": N_("The issuer URL points to a link-local address: always refused."),
    "metadata": N_("The issuer URL points to a cloud metadata service: always refused."),
    "special": N_("The issuer URL points to an address that is not one host: always refused."),
}


class SsoSettings(BaseModel):
    """``PUT /v1/workspace/sso``: the whole setting (``client_secret`` omitted keeps the
    stored one)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "issuer": "https://login.microsoftonline.com/TENANT-ID/v2.0",
                    "client_id": "00000000-0000-0000-0000-000000000000",
                    "client_secret": "the secret the provider issued",
                    "domains": ["example.com"],
                    "new_users": "analyst",
                    "password_login": True,
                }
            ]
        },
    )

    issuer: str = Field(
        max_length=500,
        description="The provider's issuer URL; its /.well-known/openid-configuration is read",
    )
    client_id: str = Field(min_length=1, max_length=300, pattern=PRINTABLE)
    client_secret: str | None = Field(
        default=None,
        max_length=2000,
        pattern=PRINTABLE,
        description="Required the first time; never shown back",
    )
    domains: list[str] = Field(
        min_length=1,
        max_length=MAX_DOMAINS,
        description="E-mail domains whose people sign in through this provider",
    )
    new_users: Literal["none", "agent", "analyst"] = Field(
        default="none",
        description="none: existing accounts only; else the role of an account made at "
        "first sign-in",
    )
    password_login: bool = Field(
        default=True, description="false: only admins still sign in with a password"
    )


def redirect_uri(settings: Settings) -> str:
    """The address to register at the provider (from ``FLUIDE_PUBLIC_URL``)."""
    return settings.public_url + CALLBACK_PATH


def get(s: Session, settings: Settings, workspace_id: str) -> dict[str, Any]:
    """The setting as the admin sees it: never the secret, only whether it is set."""
    found = store.config(s, workspace_id)
    out: dict[str, Any] = {"configured": found is not None, "redirect_uri": redirect_uri(settings)}
    if found is None:
        return out
    return out | {
        "issuer": found.issuer,
        "client_id": found.client_id,
        "client_secret_set": bool(found.client_secret),
        "domains": store.domains(s, workspace_id),
        "new_users": found.new_users,
        "password_login": found.password_login,
        "updated_at": found.updated_at,
    }


def clean_domains(values: list[str]) -> list[str]:
    """Lower-case domains without ``@``, duplicates dropped; a bad one is named."""
    out: list[str] = []
    for raw in values:
        domain = raw.strip().lower().removeprefix("@").rstrip(".")
        if not _DOMAIN.fullmatch(domain):
            raise invalid(
                "domains",
                N_("Not an e-mail domain: %(value)s (write it as example.com)."),
                value=raw[:100],
            )
        if domain not in out:
            out.append(domain)
    if not out:
        raise invalid("domains", N_("Give at least one e-mail domain, such as example.com."))
    return out


def _check(body: SsoSettings, settings: Settings) -> tuple[str, str, list[str]]:
    issuer = body.issuer.strip()
    problem = url_problem_code(issuer, Policy.of(settings))
    if problem is not None:
        raise invalid("issuer", ISSUER_PROBLEMS[problem])
    client_id = body.client_id.strip()
    if not client_id:
        raise invalid("client_id", N_("The client id cannot be empty."))
    return issuer, client_id, clean_domains(body.domains)


def put(
    factory: sessionmaker[Session], settings: Settings, workspace_id: str, body: SsoSettings
) -> dict[str, Any]:
    """Set the workspace's provider; a :class:`ServiceError` names the field that is wrong."""
    issuer, client_id, domains = _check(body, settings)
    secret = (body.client_secret or "").strip()
    with write_session(factory) as s:
        taken = {d: ws for d, ws in store.domain_owners(s, domains).items() if ws != workspace_id}
        if taken:
            raise ServiceError(
                "conflict",
                "The domain %(value)s already signs in through another workspace's provider.",
                status=409,
                details=[{"field": "domains"}],
                value=sorted(taken)[0],
            )
        found = store.config(s, workspace_id)
        if found is None and not secret:
            raise invalid("client_secret", N_("Give the client secret the provider issued."))
        sealed = secretbox.seal(settings, secret) if secret else None
        if found is None:
            assert sealed is not None
            found = SsoConfig(workspace_id=workspace_id, client_secret=sealed)
            s.add(found)
        elif sealed is not None:
            found.client_secret = sealed
        found.issuer = issuer
        found.client_id = client_id
        found.new_users = body.new_users
        found.password_login = body.password_login
        found.updated_at = utcnow()
        store.set_domains(s, workspace_id, domains)
    PROVIDERS.forget(issuer)  # the admin may have just fixed something at the provider
    with factory() as s:
        return get(s, settings, workspace_id)


def delete(factory: sessionmaker[Session], workspace_id: str) -> dict[str, Any]:
    """Remove the provider: password sign-in is on again for everyone."""
    with write_session(factory) as s:
        removed = store.remove(s, workspace_id)
    return {"deleted": removed}
