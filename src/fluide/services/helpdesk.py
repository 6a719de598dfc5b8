"""Use case: a workspace's help-desk connection (Zendesk, HubSpot, or a signed webhook).

The admin chooses the provider, gives its credentials (sealed at rest, never
shown back) and maps Fluide's fields to the vendor's; every follow-up opened
from then on is pushed as a ticket (or task) by the worker
(:mod:`fluide.jobs.helpdesk`), and the vendor's status comes back through
:mod:`fluide.services.helpdesk_inbound`.
"""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any, Final

from sqlalchemy.orm import Session, sessionmaker

from fluide import secretbox
from fluide.channels import helpdesk as channel
from fluide.channels.helpdesk import target_of
from fluide.channels.outbound import Policy
from fluide.channels.webhook import URL_PROBLEMS, url_problem_code
from fluide.domain import helpdesk as rules
from fluide.i18n import N_
from fluide.services.errors import ServiceError, invalid, not_found
from fluide.services.workspaces import workspace_in
from fluide.settings import Settings
from fluide.storage import follow_ups as follow_up_store
from fluide.storage import helpdesk as store
from fluide.storage.db import write_session
from fluide.storage.helpdesk_models import HelpdeskConnection, HelpdeskTicket
from fluide.storage.types import new_id, utcnow

INBOUND_PATH: Final = "/v1/integrations/helpdesk/inbound/"
MAX_TOKEN: Final = 500
_ID: Final = r"[A-Za-z0-9_-]{1,40}"
LANGS: Final = ("fr", "en")


def _required(field: str, value: Any, message: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid(field, message)
    return value.strip()


def _pattern(field: str, value: Any, pattern: str, message: str) -> str | None:
    if value is None or value == "":
        return None
    text = str(value).strip()
    if not re.fullmatch(pattern, text):
        raise invalid(field, message, value=text[:60])
    return text


def _config(settings: Settings, provider: str, values: dict[str, Any]) -> dict[str, Any]:
    """The non-secret settings of ``provider`` from ``values``, each checked."""
    mapping = values.get("mapping") or {}
    if not isinstance(mapping, dict):
        raise invalid("mapping", N_("The mapping is an object: Fluide field → vendor field."))
    mapping = {str(k): str(v).strip() for k, v in mapping.items()}
    problem = rules.mapping_problem(provider, mapping)
    if problem is not None:
        field, message = problem
        raise invalid(
            f"mapping.{field[:40]}",
            message,
            allowed=", ".join(rules.FIELDS),
            target=mapping.get(field, "")[:60],
        )
    lang = values.get("lang") or "fr"
    if lang not in LANGS:
        raise invalid(
            "lang", N_("Unknown language %(value)s; allowed: fr, en."), value=str(lang)[:8]
        )
    config: dict[str, Any] = {"mapping": mapping, "lang": lang}
    if provider == "zendesk":
        sub = str(values.get("subdomain") or "").strip().lower()
        if not rules.SUBDOMAIN.fullmatch(sub):
            raise invalid(
                "subdomain",
                N_(
                    "Give your Zendesk subdomain: the acme of acme.zendesk.com (letters, digits, -)"
                ),
            )
        email = _required(
            "email",
            values.get("email"),
            N_("Give the e-mail of the Zendesk agent the API token belongs to."),
        )
        if "@" not in email or len(email) > 320 or any(c.isspace() for c in email):
            raise invalid(
                "email", N_("This is not an e-mail address: %(value)s."), value=email[:60]
            )
        config |= {"subdomain": sub, "email": email}
    elif provider == "hubspot":
        obj = values.get("object") or "tickets"
        if obj not in channel.HUBSPOT_OBJECTS:
            raise invalid(
                "object",
                N_("Unknown HubSpot object %(value)s; allowed: tickets, tasks."),
                value=str(obj)[:20],
            )
        message = N_(
            "A HubSpot pipeline or stage is named by its internal id (such as 0 or 1), "
            "not %(value)s."
        )
        pipeline = _pattern("pipeline", values.get("pipeline"), r"[A-Za-z0-9_-]{1,40}", message)
        stage = _pattern(
            "pipeline_stage", values.get("pipeline_stage"), r"[A-Za-z0-9_-]{1,40}", message
        )
        portal = _pattern(
            "portal_id",
            values.get("portal_id"),
            r"[0-9]{1,20}",
            N_("The HubSpot account id (portal id) is a number, not %(value)s."),
        )
        config |= {
            "object": obj,
            "pipeline": pipeline,
            "pipeline_stage": stage,
            "portal_id": portal,
        }
    else:
        url = _required("url", values.get("url"), N_("Give the URL Fluide posts follow-ups to."))
        code = url_problem_code(url, Policy.of(settings))
        if code is not None:
            raise invalid("url", URL_PROBLEMS[code])
        config["url"] = url
    return config


def _public(row: HelpdeskConnection, settings: Settings, counts: dict[str, int]) -> dict[str, Any]:
    config = dict(row.config or {})
    return {
        "provider": row.provider,
        "config": {k: v for k, v in config.items() if k != "mapping"},
        "mapping": config.get("mapping") or {},
        "push_on_create": row.push_on_create,
        "token_set": bool(row.credential),
        "signing_secret_set": bool(row.signing_secret),
        "inbound_url": f"{settings.public_url}{INBOUND_PATH}{row.inbound_id}",
        "created_at": row.created_at,
        "updated_at": row.updated_at,
        "pushes": counts,
    }


def get_connection(
    factory: sessionmaker[Session], settings: Settings, workspace_id: str
) -> dict[str, Any] | None:
    """The connection without its secrets (only whether they are set); ``None`` if none."""
    with factory() as s:
        workspace_in(s, workspace_id)
        row = store.connection(s, workspace_id)
        if row is None:
            return None
        return _public(row, settings, store.counts(s, workspace_id))


def connected(factory: sessionmaker[Session], workspace_id: str) -> bool:
    with factory() as s:
        return store.connection(s, workspace_id) is not None


def put_connection(
    factory: sessionmaker[Session],
    settings: Settings,
    workspace_id: str,
    values: dict[str, Any],
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Create or replace the connection; ``secret`` is in the answer once, when Fluide made
    one (a signed webhook's, at creation or on ``rotate_secret``)."""
    moment = now or utcnow()
    provider = values.get("provider")
    if provider not in rules.PROVIDERS:
        raise invalid(
            "provider",
            N_("Unknown provider %(value)s; allowed: %(allowed)s."),
            value=str(provider)[:20],
            allowed=", ".join(rules.PROVIDERS),
        )
    config = _config(settings, provider, values)
    token = values.get("token")
    if token is not None and (not isinstance(token, str) or len(token) > MAX_TOKEN):
        raise invalid("token", N_("The token is at most %(max)s characters."), max=MAX_TOKEN)
    box = secretbox.box(settings)
    made: str | None = None
    with write_session(factory) as s:
        workspace_in(s, workspace_id)
        row = store.connection(s, workspace_id)
        same = row is not None and row.provider == provider
        if row is None:
            row = HelpdeskConnection(
                workspace_id=workspace_id,
                inbound_id=new_id("hd"),
                created_at=moment,
                push_since=moment,
            )
            s.add(row)
        elif not same:
            row.credential, row.signing_secret = None, None
            row.push_since = moment
        row.provider, row.config, row.updated_at = provider, config, moment
        row.push_on_create = bool(values.get("push_on_create", True))
        if token and token.strip():
            row.credential = box.seal(token.strip())
        if provider != "webhook" and not row.credential:
            raise invalid(
                "token",
                N_("Give the API token (Zendesk) or the private app's access token (HubSpot)."),
            )
        given = values.get("signing_secret")
        if provider == "webhook":
            if not row.signing_secret or values.get("rotate_secret"):
                made = secrets.token_urlsafe(32)
                row.signing_secret = box.seal(made)
        elif isinstance(given, str) and given.strip():
            if len(given) > MAX_TOKEN:
                raise invalid(
                    "signing_secret", N_("The token is at most %(max)s characters."), max=MAX_TOKEN
                )
            row.signing_secret = box.seal(given.strip())
        s.flush()
        out = _public(row, settings, store.counts(s, workspace_id))
    if made is not None:
        out["secret"] = made
    return out


def delete_connection(factory: sessionmaker[Session], workspace_id: str) -> None:
    with write_session(factory) as s:
        workspace_in(s, workspace_id)
        if not store.remove(s, workspace_id):
            raise not_found("No help-desk connection in workspace %(value)s.", workspace_id)


def test_connection(
    factory: sessionmaker[Session], settings: Settings, workspace_id: str, *, timeout: float = 10
) -> dict[str, Any]:
    """One harmless call with the stored credentials: ``ok``, the status, and why not."""
    with factory() as s:
        workspace_in(s, workspace_id)
        row = store.connection(s, workspace_id)
        if row is None:
            raise not_found("No help-desk connection in workspace %(value)s.", workspace_id)
        try:
            target = target_of(row, settings)
        except secretbox.UndecryptableSecret as exc:
            raise ServiceError("secret_key_mismatch", secretbox.MISMATCH, status=503) from exc
    result = channel.send(channel.test_request(target), Policy.of(settings), timeout=timeout)
    ok = result.status == "sent"
    reason = None
    if not ok:
        status = result.code
        reason = rules.reason_of("failed", status, 1 if status is None else rules.MAX_ATTEMPTS)
    return {"ok": ok, "status": result.code, "detail": result.detail, "reason": reason}


def ticket_json(t: HelpdeskTicket | None) -> dict[str, Any] | None:
    if t is None:
        return None
    return {
        "provider": t.provider,
        "state": t.state,
        "attempts": t.attempts,
        "external_id": t.external_id,
        "external_url": t.external_url,
        "status_code": t.last_status,
        "error": t.last_error,
        "reason": rules.reason_of(t.state, t.last_status, t.attempts),
        "next_attempt_at": t.next_attempt_at if t.state == "pending" else None,
        "pushed_at": t.pushed_at,
        "remote_status": t.remote_status,
    }


def tickets_for(
    factory: sessionmaker[Session], workspace_id: str, follow_up_ids: list[str]
) -> dict[str, dict[str, Any] | None]:
    with factory() as s:
        found = store.tickets_of(s, workspace_id, follow_up_ids)
        return {i: ticket_json(found.get(i)) for i in follow_up_ids}


def push_follow_up(
    factory: sessionmaker[Session],
    workspace_id: str,
    follow_up_id: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Queue the follow-up for a push now (again, after a failure); 409 if already pushed."""
    moment = now or utcnow()
    if "\x00" in follow_up_id or len(follow_up_id) > 40:
        raise not_found("No follow-up %(value)s in this workspace.", follow_up_id[:40])
    with write_session(factory) as s:
        workspace_in(s, workspace_id)
        conn = store.connection(s, workspace_id)
        if conn is None:
            raise ServiceError(
                "no_helpdesk",
                "Connect a help desk first (Admin, Help desk).",
                status=409,
            )
        fu = follow_up_store.get(s, workspace_id, follow_up_id)
        if fu is None:
            raise not_found("No follow-up %(value)s in this workspace.", follow_up_id)
        row = store.ticket(s, workspace_id, follow_up_id)
        if row is not None and row.state == "pushed":
            raise ServiceError(
                "already_pushed",
                "This follow-up is already in the help desk: %(url)s",
                status=409,
                url=row.external_url or row.external_id or "",
            )
        if fu.response_id is None:
            raise ServiceError(
                "not_an_answer",
                "This follow-up was opened by the customer's contacts, not by an answer: "
                "there is no answer to push to the help desk.",
                status=409,
            )
        if row is None:
            row = HelpdeskTicket(
                follow_up_id=fu.id,
                workspace_id=workspace_id,
                response_id=fu.response_id,
                created_at=moment,
            )
            s.add(row)
        row.provider, row.state, row.attempts = conn.provider, "pending", 0
        row.next_attempt_at, row.last_status, row.last_error = moment, None, None
        s.flush()
        out = ticket_json(row)
    assert out is not None
    return out
