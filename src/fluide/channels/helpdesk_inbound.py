"""What a help desk sends back: checking its signature, and reading the status it carries.

Pure: bytes and headers in, a verdict and :class:`StatusChange` rows out.

- Zendesk (a webhook fired by a trigger): ``X-Zendesk-Webhook-Signature`` is
  ``base64(HMAC-SHA256(signing secret, timestamp + body))``, the timestamp in
  ``X-Zendesk-Webhook-Signature-Timestamp``; the body is the JSON the trigger
  writes, ``{"ticket_id": "{{ticket.id}}", "status": "{{ticket.status}}",
  "note": "{{ticket.latest_comment}}"}``.
- HubSpot (webhooks v3): ``X-HubSpot-Signature-v3`` is ``base64(HMAC-SHA256(app
  client secret, method + URI + body + timestamp))``, the timestamp (ms) in
  ``X-HubSpot-Request-Timestamp``; the body a list of ``{"objectId",
  "propertyName", "propertyValue", "occurredAt"}`` events.
- Fluide's generic form: ``X-Fluide-Signature: t=<unix time>,v1=<hex
  HMAC-SHA256(secret, "<t>." + body)>``, body ``{"external_id" or
  "follow_up_id", "status", "note"}``.

A timestamp more than five minutes from the clock is refused (replays).

>>> body = b'{"ticket_id":"7","status":"solved"}'
>>> mac = hmac.new(b"k", b"1795430400" + body, hashlib.sha256).digest()
>>> verify_zendesk("k", "1795430400", base64.b64encode(mac).decode(), body, now=1795430460)
True
>>> verify_zendesk("k", "1795430400", base64.b64encode(mac).decode(), body + b" ", now=1795430460)
False
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

from fluide.i18n import N_

TOLERANCE: Final = 300
MAX_EVENTS: Final = 100
PROPERTIES: Final = frozenset({"hs_pipeline_stage", "hs_task_status"})
_FLUIDE_HEADER: Final = re.compile(r"t=(\d{1,12}),\s*(v1=[0-9a-f]{64})")


@dataclass(frozen=True)
class StatusChange:
    """One ticket's new status, as the vendor said it."""

    external_id: str | None
    follow_up_id: str | None
    status: str
    note: str | None
    at: datetime | None


class Unreadable(ValueError):
    """The body is not in the shape the provider sends (the message says which)."""


def _fresh(stamp: int, now: int) -> bool:
    return abs(now - stamp) <= TOLERANCE


def _b64_equal(expected: bytes, given: str) -> bool:
    return hmac.compare_digest(base64.b64encode(expected), given.strip().encode("utf-8", "replace"))


def verify_zendesk(
    secret: str, timestamp: str | None, signature: str | None, body: bytes, *, now: int
) -> bool:
    if not secret or not timestamp or not signature:
        return False
    try:
        moment = datetime.fromisoformat(timestamp.strip().replace("Z", "+00:00"))
        stamp = int(moment.timestamp()) if moment.tzinfo else None
    except ValueError:
        stamp = int(timestamp) if timestamp.strip().isdigit() and len(timestamp) <= 12 else None
    if stamp is None or not _fresh(stamp, now):
        return False
    mac = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return _b64_equal(mac, signature)


def verify_hubspot(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    *,
    now: int,
) -> bool:
    if not secret or not timestamp or not signature:
        return False
    text = timestamp.strip()
    if not text.isdigit() or len(text) > 15 or not _fresh(int(text) // 1000, now):
        return False
    message = method.upper().encode() + uri.encode() + body + text.encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return _b64_equal(mac, signature)


def verify_fluide(secret: str, header: str | None, body: bytes, *, now: int) -> bool:
    """``X-Fluide-Signature: t=…,v1=…`` made with ``secret`` less than five minutes ago."""
    if not secret or not header:
        return False
    found = _FLUIDE_HEADER.fullmatch(header.strip())
    if found is None or not _fresh(int(found[1]), now):
        return False
    stamp = found[1]
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(f"v1={mac}".encode(), found[2].encode())


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    text = str(value).strip()
    return text[:limit] if text else None


def _moment(value: Any) -> datetime | None:
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**14:
        return datetime.fromtimestamp(value / 1000, UTC)
    return None


def changes(provider: str, body: bytes) -> list[StatusChange]:
    """The status changes a provider's body carries; :class:`Unreadable` if none can be read."""
    try:
        data = json.loads(body)
    except ValueError:
        raise Unreadable(N_("The body is not JSON.")) from None
    if provider == "hubspot":
        if not isinstance(data, list):
            raise Unreadable(N_("HubSpot sends a JSON list of events."))
        out = []
        for event in data[:MAX_EVENTS]:
            if not isinstance(event, dict) or event.get("propertyName") not in PROPERTIES:
                continue
            status = _text(event.get("propertyValue"), 40)
            if status is not None:
                ext = _text(event.get("objectId"), 100)
                out.append(StatusChange(ext, None, status, None, _moment(event.get("occurredAt"))))
        return out
    if not isinstance(data, dict):
        raise Unreadable(N_("The body must be a JSON object."))
    detail = data.get("detail") if isinstance(data.get("detail"), dict) else data
    assert isinstance(detail, dict)
    ext = _text(detail.get("ticket_id") or detail.get("external_id") or detail.get("id"), 100)
    follow_up = _text(data.get("follow_up_id"), 40) if provider == "webhook" else None
    status = _text(detail.get("status"), 40)
    if status is None or (ext is None and follow_up is None):
        raise Unreadable(N_("Give the ticket's id (ticket_id) and its status."))
    return [StatusChange(ext, follow_up, status, _text(data.get("note"), 2000), None)]
