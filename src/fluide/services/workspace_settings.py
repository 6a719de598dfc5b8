"""A workspace's own settings: name, time zone, fatigue, sender, chat webhook, secrets,
retention periods, branding (colour; the logo: services.branding).

Secrets (the webhook secret that signs what Fluide posts, the widget secret
the host's server uses to sign user ids) are never shown again once created:
reading the settings says only whether each exists. Rotating one makes a new
random secret and returns it once. They are stored encrypted (``fluide.secretbox``).
"""

from __future__ import annotations

import functools
import logging
import secrets
import zoneinfo
from typing import Annotated, Any, Literal

from pydantic import ConfigDict, Field, StringConstraints
from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels.outbound import Policy
from fluide.channels.webhook import MAX_URL_LENGTH, URL_PROBLEMS, url_problem_code
from fluide.inputs.requests import Input, Name
from fluide.services import benchmark, branding, contacts, outcomes
from fluide.services.contacts import MAX_PROMISE_ALERT_HOURS
from fluide.services.errors import ServiceError
from fluide.services.workspaces import workspace_in
from fluide.settings import Settings
from fluide.storage.db import write_session
from fluide.storage.models import Workspace

log = logging.getLogger("fluide")

SecretKind = Literal["webhook", "widget"]
WIDGET_KEY_PREFIX = "pk_"


RetentionDays = Annotated[int, Field(ge=1, le=3650, strict=True)]
RETENTION_FIELDS = ("comment_retention_days", "personal_data_retention_days")


class WorkspacePatch(Input):
    """Any subset of the settings; ``chat_webhook_url: null`` removes the webhook."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sender_name": "Boutique Durand",
                    "timezone": "Europe/Paris",
                    "fatigue_days": 21,
                    "chat_webhook_url": "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
                    "brand_color": "#0a7f3f",
                }
            ]
        },
    )
    name: Name | None = None
    timezone: Annotated[str, StringConstraints(min_length=1, max_length=64)] | None = None
    fatigue_days: int | None = Field(default=None, ge=1, le=365)
    sender_name: Annotated[str, StringConstraints(max_length=200, strip_whitespace=True)] | None = (
        None
    )
    chat_webhook_url: (
        Annotated[str, StringConstraints(max_length=MAX_URL_LENGTH, strip_whitespace=True)] | None
    ) = None
    # Retention (services.retention); null keeps the data until erased.
    comment_retention_days: RetentionDays | None = None
    personal_data_retention_days: RetentionDays | None = None
    # The survey page's colour, #rrggbb; null returns to Fluide's own.
    brand_color: Annotated[str, StringConstraints(max_length=20)] | None = None
    # Recontacts (services.contacts): null returns to the defaults.
    contact_event_types: list[Annotated[str, StringConstraints(max_length=400)]] | None = Field(
        default=None, max_length=200
    )
    promise_alert_hours: int | None = Field(default=None, ge=1, le=MAX_PROMISE_ALERT_HOURS)
    # Loyalty outcomes (services.outcomes): null returns to the defaults.
    outcome_event_types: list[Annotated[str, StringConstraints(max_length=400)]] | None = Field(
        default=None, max_length=200
    )
    # The CES benchmark (services.benchmark): contribute live to this instance's pool.
    benchmark_opt_in: bool | None = None


def settings_json(ws: Workspace) -> dict[str, Any]:
    """What the API shows of a workspace: never a secret, only whether it exists."""
    return {
        "id": ws.id,
        "name": ws.name,
        "timezone": ws.timezone,
        "fatigue_days": ws.fatigue_days,
        "sender_name": ws.sender_name,
        "chat_webhook_url": ws.chat_webhook_url,
        "widget_public_key": ws.widget_public_key,
        "has_webhook_secret": bool(ws.webhook_secret),
        "has_widget_secret": bool(ws.widget_secret),
        "comment_retention_days": ws.comment_retention_days,
        "personal_data_retention_days": ws.personal_data_retention_days,
        "brand_color": ws.brand_color,
        "logo": branding.logo_json(ws),
        "contact_event_types": list(contacts.contact_types(ws)),
        "promise_alert_hours": contacts.promise_alert_hours(ws),
        "outcome_event_types": list(outcomes.outcome_types(ws)),
        "benchmark_opt_in": ws.benchmark_opt_in,
    }


def _invalid(field: str, message: str, /, **params: Any) -> ServiceError:
    """A 422 in the shape of request validation errors; ``message`` is an English msgid."""
    problem = message % params if params else message
    details = [{"field": field, "problem": problem, "type": "value_error"}]
    return ServiceError("invalid", message, details=details, **params)


@functools.cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _check_timezone(tz: str) -> str:
    if tz not in _zones():
        raise ServiceError(
            "invalid",
            "Unknown time zone %(value)s in %(param)s; use an IANA name such as Europe/Paris "
            "or UTC.",
            details=[
                {"field": "timezone", "problem": f"unknown time zone {tz}", "type": "value_error"}
            ],
            value=tz,
            param="timezone",
        )
    return tz


def _check_webhook_url(url: str, policy: Policy) -> str:
    rule = url_problem_code(url, policy)
    if rule is not None:
        error = _invalid("chat_webhook_url", URL_PROBLEMS[rule])
        error.details[0]["rule"] = rule  # loopback, private, metadata… (channels.outbound)
        raise error
    return url


def get(s: Session, ws_id: str) -> dict[str, Any]:
    return settings_json(workspace_in(s, ws_id))


def update(
    factory: sessionmaker[Session], settings: Settings, ws_id: str, body: WorkspacePatch
) -> dict[str, Any]:
    """Change the fields that were sent; ``null`` clears the sender name and the webhook.

    Which non-public webhook targets are allowed follows ``settings``
    (``FLUIDE_WEBHOOK_ALLOW_PRIVATE``, demo mode): see :class:`Policy`.
    """
    policy = Policy.of(settings)
    sent = body.model_fields_set
    for field in ("name", "timezone", "fatigue_days", "benchmark_opt_in"):
        if field in sent and getattr(body, field) is None:
            raise _invalid(field, "%(field)s cannot be empty.", field=field)
    if body.timezone is not None:
        _check_timezone(body.timezone)
    if body.chat_webhook_url:
        _check_webhook_url(body.chat_webhook_url, policy)
    color = branding.check_color(body.brand_color) if body.brand_color else None
    types = (
        None
        if body.contact_event_types is None
        else contacts.check_contact_types(body.contact_event_types)
    )
    outcome_types = (
        None
        if body.outcome_event_types is None
        else outcomes.check_outcome_types(body.outcome_event_types)
    )
    with write_session(factory) as s:
        ws = workspace_in(s, ws_id)
        if body.name is not None:
            ws.name = body.name
        if body.timezone is not None:
            ws.timezone = body.timezone
        if body.fatigue_days is not None:
            ws.fatigue_days = body.fatigue_days
        if "sender_name" in sent:
            ws.sender_name = body.sender_name or None
        if "chat_webhook_url" in sent:
            ws.chat_webhook_url = body.chat_webhook_url or None
            if ws.chat_webhook_url and not ws.webhook_secret:
                # Posts are always signed; the host rotates it to learn it.
                ws.webhook_secret = secretbox.seal(settings, new_secret())
        for field in RETENTION_FIELDS:
            if field in sent:
                setattr(ws, field, getattr(body, field))
        if "brand_color" in sent:
            ws.brand_color = color
        if "contact_event_types" in sent:
            ws.contact_event_types = types
        if "promise_alert_hours" in sent:
            ws.promise_alert_hours = body.promise_alert_hours
        if "outcome_event_types" in sent:
            ws.outcome_event_types = outcome_types
        if body.benchmark_opt_in is not None:
            benchmark.set_opt_in(ws, body.benchmark_opt_in)
        s.flush()
        return settings_json(ws)


def new_secret() -> str:
    """256 random bits, URL-safe (43 characters)."""
    return secrets.token_urlsafe(32)


def secret_of(settings: Settings, stored: str | None) -> str | None:
    """A stored secret in clear; a 503 saying what to set when no configured key opens it."""
    try:
        return secretbox.open_secret(settings, stored)
    except secretbox.UndecryptableSecret:
        log.error("a stored secret cannot be decrypted: %s", secretbox.MISMATCH)
        raise ServiceError("secret_key_mismatch", secretbox.MISMATCH, status=503) from None


def rotate_secret(
    factory: sessionmaker[Session], settings: Settings, ws_id: str, kind: SecretKind
) -> dict[str, str]:
    """A new secret of ``kind``, stored, and returned this once.

    The previous one stops working at once. Rotating the widget secret keeps
    the widget's public key (pages that embed it go on working); a workspace
    without one gets it now.
    """
    secret = new_secret()
    with write_session(factory) as s:
        ws = workspace_in(s, ws_id)
        if kind == "webhook":
            ws.webhook_secret = secretbox.seal(settings, secret)
        else:
            ws.widget_secret = secretbox.seal(settings, secret)
            if not ws.widget_public_key:
                ws.widget_public_key = WIDGET_KEY_PREFIX + secrets.token_urlsafe(24)
    log.info("workspace %s: new %s secret", ws_id, kind)
    return {"kind": kind, "secret": secret}
