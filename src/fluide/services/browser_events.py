"""What a signed browser may report through the widget (``POST /w/v1/track``).

The user's signature proves *who* is calling, not that what the page reports
happened: any signed user can call the endpoint by hand. So an event from a
browser is held to a policy, and what breaks it is refused and stored nowhere:

- **type**: only a type some touchpoint allows for the browser (403). A
  touchpoint's ``browser_events`` lists them; ``null`` (the default) allows
  its trigger event types when its channels include ``in_app`` or
  ``popover``, and nothing otherwise; ``[]`` allows nothing.
- **properties**: never a key that attributes an answer or states an outcome
  (:data:`RESERVED_PROPERTIES`, any case): refused (403) rather than dropped,
  so the host sees at once that its server must send them. Their sizes are
  every event's (:mod:`fluide.domain.json_limits`, a 422 naming the limit).
- **rate**: at most ``FLUIDE_BROWSER_EVENTS_PER_MINUTE`` per user (429 with
  ``Retry-After``), counted in the database (``events.source = "browser"``)
  under the user's lock, so the limit holds across server processes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any, Final

from sqlalchemy.orm import Session

from fluide.domain.json_limits import MAX_KEY_CHARS
from fluide.i18n import N_
from fluide.services.errors import ServiceError
from fluide.services.events import SNAPSHOT_KEYS
from fluide.storage import widget as widget_repo
from fluide.storage.models import Touchpoint

WIDGET_CHANNELS: Final = ("in_app", "popover")
"""The channels the widget shows: a card (``in_app``) or a mini popover (``popover``)."""
RESERVED_PROPERTIES: Final = (*SNAPSHOT_KEYS, "outcome")
"""Keys only the host's server may send: they name the agent or ticket an answer is
attributed to, or the action's outcome."""
RATE_WINDOW: Final = timedelta(minutes=1)


class TooManyEvents(ServiceError):
    """A 429 whose answer carries ``Retry-After: retry_after`` (seconds)."""

    def __init__(self, limit: int, retry_after: int) -> None:
        super().__init__(
            "too_many_events",
            N_(
                "Too many events from this user's browser: at most %(max)s per minute. "
                "Retry in %(seconds)s s."
            ),
            status=429,
            details={"limit": limit, "window_seconds": 60, "retry_after": retry_after},
            max=limit,
            seconds=retry_after,
        )
        self.retry_after = retry_after


def browser_types(tp: Touchpoint) -> list[str]:
    """The event types a browser may send for ``tp`` (its ``browser_events``, or the default)."""
    if tp.browser_events is not None:
        return list(tp.browser_events)
    if any(channel in WIDGET_CHANNELS for channel in tp.channels):
        return list(dict.fromkeys(str(t["event"]) for t in tp.triggers))
    return []


def check_type(event_type: str, touchpoints: Iterable[Touchpoint]) -> None:
    """Refuse (403) a type no touchpoint allows for the browser."""
    allowed = sorted({t for tp in touchpoints for t in browser_types(tp)})
    if event_type in allowed:
        return
    raise ServiceError(
        "event_not_allowed",
        "The browser may not send %(type)s events: no touchpoint allows it (its "
        "browser_events or, by default, its trigger events when it has the in_app or "
        "popover channel). Send it from your server (POST /v1/events).",
        status=403,
        details={"type": event_type, "allowed": allowed},
        type=event_type,
    )


def check_properties(properties: dict[str, Any]) -> None:
    """Refuse (403) the keys only the host's server may send, naming them.

    Sizes are the same as every event's (:mod:`fluide.domain.json_limits`),
    checked where the request is read.
    """
    reserved = [k for k in properties if k.strip().lower() in RESERVED_PROPERTIES]
    if reserved:
        raise ServiceError(
            "property_not_allowed",
            "The browser may not send %(keys)s: these properties name the agent, the "
            "ticket or the outcome an answer is attributed to, so only your server may "
            "send them (POST /v1/events).",
            status=403,
            details={"keys": reserved, "reserved": list(RESERVED_PROPERTIES)},
            keys=", ".join(k[:MAX_KEY_CHARS] for k in reserved),
        )


def rate_guard(ws: str, per_minute: int) -> Callable[[Session, str, datetime], None]:
    """A check for :func:`fluide.services.events.record_events`, run under the user's lock.

    Counts the user's browser events received in the last minute; a 429 when
    the new one would exceed ``per_minute``, saying when the oldest leaves the window.
    """

    def guard(s: Session, user_id: str, now: datetime) -> None:
        count, oldest = widget_repo.browser_events_since(s, ws, user_id, now - RATE_WINDOW)
        if count < per_minute:
            return
        wait = (oldest + RATE_WINDOW - now).total_seconds() if oldest else 60.0
        raise TooManyEvents(per_minute, max(1, min(60, math.ceil(wait))))

    return guard
