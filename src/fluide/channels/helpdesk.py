"""A follow-up as a Zendesk ticket, a HubSpot ticket or task, or a signed JSON post.

Composing is pure (:func:`ticket_request`, :func:`test_request`: a
:class:`Request` in the vendor's public API shape); :func:`send` makes the
call through the same outbound path as the chat webhook (URL policy, DNS
vetted once and pinned, no redirects, a deadline, nothing the vendor wrote
kept but a 2xx answer's JSON object, read bounded, for the new ticket's id).

- Zendesk: ``POST https://{subdomain}.zendesk.com/api/v2/tickets.json``, API
  token auth (``Basic base64("{email}/token:{token}")``), body ``{"ticket":
  {subject, comment: {body, public: false}, requester, external_id, tags,
  priority, custom_fields: [{id, value}]}}``; answers ``{"ticket": {"id"}}``.
- HubSpot: ``POST https://api.hubapi.com/crm/v3/objects/tickets`` (or
  ``tasks``), private-app ``Bearer`` token, body ``{"properties": {…}}``;
  answers ``{"id"}``.
- Signed webhook: ``POST`` to the admin's URL, signed like every Fluide post
  (``X-Fluide-Signature: t=<unix time>,v1=<hex HMAC-SHA256(secret,
  "<t>." + body)>``); may answer ``{"id", "url"}``.
"""

from __future__ import annotations

import base64
import json
import socket
import time
from dataclasses import dataclass, field
from typing import Any, Final

import httpx

from fluide import __version__, secretbox
from fluide.channels import DeliveryResult, outbound
from fluide.channels.outbound import PUBLIC_ONLY, Policy
from fluide.channels.pinned import post_pinned
from fluide.channels.webhook import (
    IDEMPOTENCY_HEADER,
    SIGNATURE_HEADER,
    URL_PROBLEMS,
    blocked_result,
    url_problem_code,
)
from fluide.channels.webhook import sign as sign_v1
from fluide.settings import Settings
from fluide.storage.helpdesk_models import HelpdeskConnection

ZENDESK_API: Final = "https://{subdomain}.zendesk.com"
HUBSPOT_API: Final = "https://api.hubapi.com"
HUBSPOT_OBJECTS: Final = ("tickets", "tasks")
HUBSPOT_TYPE_IDS: Final = {"tickets": "0-5", "tasks": "0-27"}
MAX_ANSWER: Final = 256 * 1024
"""Bytes of a created ticket's answer read for its id (Zendesk echoes the whole ticket)."""
PAYLOAD_TYPE: Final = "follow_up.push"
PAYLOAD_VERSION: Final = 1


@dataclass(frozen=True)
class Ticket:
    """What a follow-up says, for the help desk (the mapped fields among it)."""

    follow_up_id: str
    workspace_id: str
    subject: str
    body: str
    due_at: str
    reason: str
    fields: dict[str, Any]
    """Every Fluide field by its key (see :data:`fluide.domain.helpdesk.FIELDS`)."""


@dataclass(frozen=True)
class Target:
    """A connection, its secrets opened (never logged, never shown)."""

    provider: str
    config: dict[str, Any]
    credential: str | None = None
    signing_secret: str | None = None
    base_override: str | None = None
    """``FLUIDE_HELPDESK_BASE_URL_OVERRIDE``: a local fake of the vendor, in tests."""


@dataclass(frozen=True)
class Request:
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""


def _base(target: Target) -> str:
    if target.base_override:
        return target.base_override.rstrip("/")
    if target.provider == "zendesk":
        return ZENDESK_API.format(subdomain=target.config.get("subdomain", ""))
    return HUBSPOT_API


def _auth(target: Target) -> dict[str, str]:
    token = target.credential or ""
    if target.provider == "zendesk":
        pair = f"{target.config.get('email', '')}/token:{token}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    return {"Authorization": f"Bearer {token}"}


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _common(idempotency_key: str | None = None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "User-Agent": f"Fluide/{__version__}",
    }
    if idempotency_key:
        headers[IDEMPOTENCY_HEADER] = idempotency_key
    return headers


def _mapped(ticket: Ticket, mapping: dict[str, str]) -> dict[str, Any]:
    """Vendor field → value, for the mapped Fluide fields that have a value."""
    out: dict[str, Any] = {}
    for key, target in mapping.items():
        value = ticket.fields.get(key)
        if value is not None and value != "":
            out[target] = value
    return out


def zendesk_body(ticket: Ticket, config: dict[str, Any]) -> dict[str, Any]:
    fields = ticket.fields
    body: dict[str, Any] = {
        "subject": ticket.subject,
        # An internal note: the customer is called back, not e-mailed this summary.
        "comment": {"body": ticket.body, "public": False},
        "external_id": ticket.follow_up_id,
        "priority": "high",
        "tags": ["fluide", *([str(fields["tag"])] if fields.get("tag") else [])],
    }
    if fields.get("customer_email"):
        requester = {"email": fields["customer_email"]}
        requester["name"] = str(fields.get("customer_name") or fields.get("customer_id") or "")
        body["requester"] = requester
    custom = _mapped(ticket, config.get("mapping") or {})
    if custom:
        body["custom_fields"] = [{"id": int(k), "value": v} for k, v in custom.items()]
    return {"ticket": body}


def hubspot_body(ticket: Ticket, config: dict[str, Any]) -> dict[str, Any]:
    mapped = {k: str(v) for k, v in _mapped(ticket, config.get("mapping") or {}).items()}
    if config.get("object", "tickets") == "tasks":
        props = {
            "hs_task_subject": ticket.subject,
            "hs_task_body": ticket.body,
            "hs_task_status": "NOT_STARTED",
            "hs_task_priority": "HIGH",
            "hs_timestamp": ticket.due_at,
        }
    else:
        props = {
            "subject": ticket.subject,
            "content": ticket.body,
            "hs_pipeline": str(config.get("pipeline") or "0"),
            "hs_pipeline_stage": str(config.get("pipeline_stage") or "1"),
            "hs_ticket_priority": "HIGH",
        }
    return {"properties": props | mapped}


def webhook_body(ticket: Ticket, config: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": PAYLOAD_TYPE,
        "version": PAYLOAD_VERSION,
        "follow_up_id": ticket.follow_up_id,
        "workspace_id": ticket.workspace_id,
        "subject": ticket.subject,
        "body": ticket.body,
        "reason": ticket.reason,
        "due_at": ticket.due_at,
        **ticket.fields,
        "fields": _mapped(ticket, config.get("mapping") or {}),
    }


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>``."""
    return f"t={timestamp},{sign_v1(secret, timestamp, body)}"


def _signed(target: Target, body: bytes, headers: dict[str, str], now: int | None) -> None:
    stamp = int(time.time()) if now is None else now
    headers[SIGNATURE_HEADER] = signature_header(target.signing_secret or "", stamp, body)


def ticket_request(target: Target, ticket: Ticket, *, now: int | None = None) -> Request:
    """The vendor call that creates ``ticket`` (the same key for every retry of it)."""
    headers = _common(f"fluide-{ticket.follow_up_id}")
    if target.provider == "webhook":
        body = _json(webhook_body(ticket, target.config))
        _signed(target, body, headers, now)
        return Request("POST", str(target.config.get("url", "")), headers, body)
    headers |= _auth(target)
    if target.provider == "zendesk":
        url = _base(target) + "/api/v2/tickets.json"
        return Request("POST", url, headers, _json(zendesk_body(ticket, target.config)))
    obj = target.config.get("object", "tickets")
    url = f"{_base(target)}/crm/v3/objects/{obj}"
    return Request("POST", url, headers, _json(hubspot_body(ticket, target.config)))


def test_request(target: Target, *, now: int | None = None) -> Request:
    """A harmless call that proves the credentials: who am I, or one object, or a ping."""
    if target.provider == "webhook":
        headers = _common()
        body = _json({"type": "ping", "version": PAYLOAD_VERSION})
        _signed(target, body, headers, now)
        return Request("POST", str(target.config.get("url", "")), headers, body)
    headers = _common() | _auth(target)
    if target.provider == "zendesk":
        return Request("GET", _base(target) + "/api/v2/users/me.json", headers)
    obj = target.config.get("object", "tickets")
    return Request("GET", f"{_base(target)}/crm/v3/objects/{obj}?limit=1", headers)


def _plain_id(value: object) -> str | None:
    text = str(value) if isinstance(value, (int, str)) and not isinstance(value, bool) else ""
    ok = 0 < len(text) <= 100 and all(c.isalnum() or c in "-_.:" for c in text)
    return text if ok else None


def created(target: Target, data: dict[str, object] | None) -> tuple[str | None, str | None]:
    """The new ticket's id and the address a person opens it at, from the vendor's answer."""
    if data is None:
        return None, None
    config = target.config
    if target.provider == "zendesk":
        inner = data.get("ticket")
        ticket_id = _plain_id(inner.get("id")) if isinstance(inner, dict) else None
        if ticket_id is None:
            return None, None
        sub = config.get("subdomain", "")
        return ticket_id, f"https://{sub}.zendesk.com/agent/tickets/{ticket_id}"
    ticket_id = _plain_id(data.get("id"))
    if ticket_id is None:
        return None, None
    if target.provider == "hubspot":
        portal = config.get("portal_id")
        type_id = HUBSPOT_TYPE_IDS[config.get("object", "tickets")]
        link = f"https://app.hubspot.com/contacts/{portal}/record/{type_id}/{ticket_id}"
        return ticket_id, link if portal else None
    url = data.get("url")
    safe = isinstance(url, str) and url.startswith("https://") and len(url) <= 500
    return ticket_id, url if safe and isinstance(url, str) else None


def send(
    request: Request,
    policy: Policy = PUBLIC_ONLY,
    *,
    timeout: float = 10,
    client: httpx.Client | None = None,
    resolver: outbound.Resolver = socket.getaddrinfo,
) -> DeliveryResult:
    """Make ``request`` by the outbound rules (as :func:`~fluide.channels.webhook.post_webhook`).

    ``detail`` names the status and its standard phrase only; never the
    credentials, the URL, or a byte the vendor wrote.
    """
    problem = url_problem_code(request.url, policy)
    if problem is not None:
        return DeliveryResult("failed", f"URL refused, nothing sent: {URL_PROBLEMS[problem]}")
    found = outbound.destination(request.url, policy, resolver=resolver)
    if isinstance(found, outbound.Blocked):
        return blocked_result(found)
    headers = {"Host": found.url.netloc.decode("ascii"), **request.headers}
    own = client is None
    http = client or httpx.Client(
        timeout=timeout, follow_redirects=False, trust_env=False, verify=outbound.tls_context()
    )
    try:
        return post_pinned(
            http,
            found.url,
            found.addresses,
            request.body,
            headers,
            timeout,
            method=request.method,
            read_json=MAX_ANSWER if request.method == "POST" else 0,
        )
    finally:
        if own:
            http.close()


def target_of(row: HelpdeskConnection, settings: Settings) -> Target:
    """The connection with its secrets opened (:class:`secretbox.UndecryptableSecret` if not).

    The base URL override (tests' local fakes) applies to the vendors only: a signed
    webhook's URL is the admin's own, checked like the chat webhook's.
    """
    box = secretbox.box(settings)
    return Target(
        provider=row.provider,
        config=dict(row.config or {}),
        credential=box.open(row.credential) if row.credential else None,
        signing_secret=box.open(row.signing_secret) if row.signing_secret else None,
        base_override=settings.helpdesk_base_url_override if row.provider != "webhook" else None,
    )
