"""Deciding a batch of events inside one write transaction.

The facts are read set-wise (stored ids, users locked, their invitation
histories, the cached touchpoint rules), each event is decided in order by
:func:`fluide.domain.fatigue.decide` against a history kept up to date in
memory (an invitation earlier in the batch counts for the next event of the
same user, exactly as if each had been sent alone), and the rows are written
with bulk inserts at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final, Literal, Protocol

from sqlalchemy.orm import Session

from fluide.domain import tokens
from fluide.domain.fatigue import Decision, EventFacts, UserHistory, decide
from fluide.domain.json_limits import JsonLimitError, check_json_object
from fluide.i18n import lang_of
from fluide.request_context import current_request_id
from fluide.services import contact_follow_ups
from fluide.services.errors import ServiceError, invalid
from fluide.services.event_input import EventInput
from fluide.settings import Settings
from fluide.storage import decisions as store
from fluide.storage import deliveries
from fluide.storage.models import Delivery, Event, Invitation
from fluide.storage.rules import rules_for
from fluide.storage.types import new_id, utcnow

SNAPSHOT_KEYS: Final = ("agent_id", "ticket_id")
"""Properties kept on the invitation: the answer is attributed to this agent and ticket."""
Source = Literal["api", "browser"]
Guard = Callable[[Session, str, datetime], None]
"""A check run under the user's lock before each decision (session, user's row id, now)."""


class WorkspaceRules(Protocol):
    """Which workspace (a ``Workspace`` row is one); its rules and fatigue are read
    again in the deciding transaction, so a caller may hold an old copy."""

    @property
    def id(self) -> str: ...


@dataclass(frozen=True)
class WorkspaceId:
    """A workspace known by its id only (the events route's cached key gives no row)."""

    id: str


def link_json(
    invitation_id: str, channel: str, expires_at: datetime, settings: Settings
) -> dict[str, Any]:
    """An invitation as the API shows it: its signed survey link."""
    return {
        "id": invitation_id,
        "url": f"{settings.public_url}/s/{tokens.sign(settings.secret, invitation_id)}",
        "channel": channel,
        "expires_at": expires_at.isoformat(),
    }


def duplicate(event_id: str) -> dict[str, Any]:
    return {"event_id": event_id, "decision": Decision.DUPLICATE.value, "invitation": None}


@dataclass
class _Rows:
    """Rows decided but not yet written, in the order foreign keys need."""

    events: list[dict[str, Any]] = field(default_factory=list)
    invitations: list[dict[str, Any]] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)

    def write(self, s: Session) -> None:
        store.insert_all(s, Event, self.events)
        store.insert_all(s, Invitation, self.invitations)
        store.insert_all(s, Delivery, self.deliveries)
        self.events, self.invitations, self.deliveries = [], [], []


def _refresh(user: store.UserState, e: EventInput) -> bool:
    """Merge what the event says of its user (as one event at a time did); True if changed."""
    before = (user.email, user.locale, user.attributes)
    if e.user.email:
        user.email = e.user.email
    if e.user.locale:
        user.locale = e.user.locale
    if e.user.attributes:
        merged = {**user.attributes, **e.user.attributes}
        try:
            # A user's attributes add up event after event: the limits hold for the sum.
            check_json_object(merged, "user.attributes")
        except JsonLimitError as exc:
            raise invalid("user.attributes", exc.message, **exc.params) from None
        user.attributes = merged
    return (user.email, user.locale, user.attributes) != before


def _attribution(properties: dict[str, Any], keys: Sequence[str]) -> dict[str, str]:
    return {k: str(properties[k]) for k in keys if properties.get(k) is not None}


def decide_batch(
    s: Session,
    ws: WorkspaceRules,
    events: Sequence[EventInput],
    moments: Sequence[datetime],
    settings: Settings,
    source: Source,
    guard: Guard | None,
    request_ids: Sequence[str | None] | None = None,
) -> tuple[list[dict[str, Any]], list[str]]:
    """Each event's decision in order, and the deliveries to send once committed.

    ``request_ids`` (one per event) name the request each event came in, kept on
    its delivery; by default the request this code runs for.
    """
    current = store.workspace_state(s, ws.id)
    if current is None:  # deleted since the key was checked
        raise ServiceError("unauthorized", "This API key is unknown or revoked.", status=401)
    fatigue_days, rules_version, contact_types = current
    rules = rules_for(s, ws.id, rules_version)
    tp_rules = rules.rules()
    stored = store.stored_event_ids(s, ws.id, {e.id for e in events})
    seen = set(stored)
    fresh = []  # False for a duplicate (stored, or earlier in this batch)
    for e in events:
        fresh.append(e.id not in seen)
        seen.add(e.id)
    users = store.lock_users(
        s, ws.id, {e.user.id for e, new in zip(events, fresh, strict=True) if new}
    )
    histories = store.invitation_histories(s, ws.id, [u.id for u in users.values()])
    changed: dict[str, store.UserState] = {}
    rows = _Rows()
    stored_rows: list[dict[str, Any]] = []  # this batch's new events, for contact follow-ups
    out: list[dict[str, Any]] = []
    to_send: list[str] = []
    snapshot = SNAPSHOT_KEYS if source == "api" else ()
    requests = request_ids or [current_request_id()] * len(events)
    for e, moment, new, request_id in zip(events, moments, fresh, requests, strict=True):
        if not new:
            out.append(duplicate(e.id))
            continue
        user = users[e.user.id]
        if guard is not None:  # it counts stored events: this batch's earlier ones too
            rows.write(s)
            guard(s, user.id, moment)
        if _refresh(user, e):
            changed[user.id] = user
        per_touchpoint = histories.setdefault(user.id, {})
        outcome = decide(
            EventFacts(e.id, e.type, e.outcome, e.occurred_at),
            tp_rules,
            UserHistory(user.opted_out, max(per_touchpoint.values(), default=None), per_touchpoint),
            now=moment,
            fatigue_days=fatigue_days,
        )
        tp = rules.by_key(outcome.touchpoint)
        event_row: dict[str, Any] = {
            "id": new_id("evt"),
            "workspace_id": ws.id,
            "external_id": e.id,
            "type": e.type,
            "occurred_at": e.occurred_at,
            "received_at": moment,
            "user_id": user.id,
            "outcome": outcome.outcome or e.outcome,
            "properties": e.properties,
            "user_attributes": dict(user.attributes),
            "decision": str(outcome.decision),
            "reason": outcome.reason,
            "touchpoint_id": tp.id if tp else None,
            "invitation_id": None,
            "source": source,
        }
        rows.events.append(event_row)
        stored_rows.append(event_row)
        result: dict[str, Any] = {
            "event_id": e.id,
            "decision": str(outcome.decision),
            "invitation": None,
            "touchpoint": outcome.touchpoint,
            "reason": outcome.reason,
        }
        out.append(result)
        if outcome.decision != Decision.INVITED or tp is None or tp.current_version_id is None:
            continue
        channel = e.channel if e.channel in tp.channels else tp.channels[0]
        expires_at = outcome.expires_at or moment
        invitation_id = new_id("inv")
        rows.invitations.append(
            {
                "id": invitation_id,
                "workspace_id": ws.id,
                "touchpoint_id": tp.id,
                "question_version_id": tp.current_version_id,
                "user_id": user.id,
                "event_id": event_row["id"],
                "channel": channel,
                "outcome": outcome.outcome,
                "occurred_at": e.occurred_at,
                "created_at": moment,
                "expires_at": expires_at,
                "locale": lang_of(user.locale),
                "context": {
                    "attributes": dict(user.attributes),
                    "properties": e.properties,
                    # Attribution is the host server's word only, whatever a browser sends.
                    **_attribution(e.properties, snapshot),
                },
                "shown_at": None,
                "dismissed_at": None,
            }
        )
        event_row["invitation_id"] = invitation_id
        user.last_invited_at = moment
        changed[user.id] = user
        per_touchpoint[tp.rule.key] = moment
        # Same transaction as the invitation: no invitation without its send.
        delivery = deliveries.new_row(ws.id, invitation_id, channel, moment, request_id)
        if delivery is not None:
            rows.deliveries.append(delivery)
            to_send.append(str(delivery["id"]))
        result["invitation"] = link_json(invitation_id, channel, expires_at, settings)
    rows.write(s)
    store.update_users(s, list(changed.values()))
    # Before any survey is sent: the invitations above go out after this commit.
    contact_follow_ups.after_events(
        s, ws.id, contact_types, stored_rows, moments[-1] if moments else utcnow()
    )
    return out, to_send
