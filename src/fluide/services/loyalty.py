"""Use case: what happened to a touchpoint's customers after they answered
(``GET /v1/touchpoints/{key}/loyalty`` and the touchpoint page's card).

The answers (current question only) and the outcome events are read from the
database and turned into the arrays :func:`fluide.domain.loyalty.study` takes,
the function ``fluide loyalty`` runs on files: on the same rows, the same JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import loyalty as dl
from fluide.domain.notices import Notice
from fluide.domain.scales import Question
from fluide.domain.segments import tenure_of
from fluide.i18n import N_
from fluide.serialize import notice_json
from fluide.services.attempts import current_question
from fluide.services.errors import check_groupings, invalid, not_found
from fluide.services.outcomes import DEFAULT_EVENT, outcome_types
from fluide.services.recontacts import micros
from fluide.services.touchpoints import touchpoint_of
from fluide.storage import contacts as answer_store
from fluide.storage import outcomes as store
from fluide.storage import repo
from fluide.storage.models import Workspace
from fluide.storage.questions import question_of
from fluide.storage.types import utcnow

BY_FIELDS: Final = ("outcome", "tenure", "channel", "agent")
"""``by`` names: the touchpoint page's splits."""
MAX_HORIZON_DAYS: Final = 3650


@dataclass(frozen=True)
class LoyaltyQuery:
    event: str | None = None  # default: churned
    horizon_days: int = dl.DEFAULT_HORIZON_DAYS
    until: str | None = None  # ISO 8601 date or time; default: now
    by: Sequence[str] = ()


@dataclass
class Read:
    """A touchpoint's answers on its current question and the workspace's outcomes."""

    touchpoint: str
    question: Question
    answers: list[answer_store.AnswerOf]
    other_question: int
    outcomes: list[store.OutcomeEvent]
    types: tuple[str, ...]


def parse_until(value: str, tz: str) -> datetime:
    """``until``: an ISO 8601 date or time; without an offset, in the workspace's zone."""
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise invalid(
            "until",
            N_(
                "until %(value)s is not a date or time; write it as 2026-06-30 or 2026-06-30T18:00."
            ),
            value=value[:64],
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=ZoneInfo(tz))


def check(ws_types: Sequence[str], q: LoyaltyQuery) -> str:
    """The event studied; a 422 naming ``event``, ``horizon`` or ``by`` when one is bad."""
    event = q.event or DEFAULT_EVENT
    if event not in ws_types:
        raise invalid(
            "event",
            N_("event %(value)s is not one of this workspace's outcome event types: %(allowed)s."),
            value=event[:64],
            allowed=", ".join(ws_types) or "-",
        )
    if not 1 <= q.horizon_days <= MAX_HORIZON_DAYS:
        raise invalid(
            "horizon",
            N_("The horizon is %(min)s to %(max)s days; got %(value)s."),
            min=1,
            max=MAX_HORIZON_DAYS,
            value=q.horizon_days,
        )
    check_groupings(q.by, BY_FIELDS)
    return event


def read(
    factory: sessionmaker[Session],
    workspace_id: str,
    types: Sequence[str],
    key: str,
    since: datetime | None = None,
    before: datetime | None = None,
) -> Read:
    """The answers given in ``[since, before)`` on the current question, the outcomes from
    ``since`` on (every outcome type: a warning names them when the one studied is absent)."""
    with factory() as s:
        tp = touchpoint_of(s, workspace_id, key)
        found = current_question(repo.versions(s, workspace_id, tp.id), tp.current_version_id)
        if found is None:
            raise not_found("Touchpoint %(value)s has no question.", key)
        rows = answer_store.touchpoint_answers(s, workspace_id, tp.id, since, before)
        events = store.outcome_events(s, workspace_id, types, since, None)
    current, same = found
    mine = [r for r in rows if r.question_version_id in same]
    return Read(tp.key, question_of(current), mine, len(rows) - len(mine), events, tuple(types))


def _by_values(r: Read, name: str, zone: ZoneInfo) -> list[str | None]:
    if name == "tenure":
        return [
            tenure_of(
                a.responded_at.astimezone(zone).date(),
                date.fromisoformat(a.customer_since) if a.customer_since else None,
            )
            for a in r.answers
        ]
    field = {"outcome": "outcome", "channel": "channel", "agent": "agent_id"}[name]
    return [getattr(a, field) for a in r.answers]


def document(
    r: Read, event: str, horizon_days: int, until: datetime, by: Sequence[str], tz: str, lang: str
) -> dict[str, Any]:
    """The ``fluide loyalty`` document of what :func:`read` found."""
    zone = ZoneInfo(tz)
    found = dl.study(
        r.question,
        answer_customer=[a.customer for a in r.answers],
        answer_at=np.array([micros(a.responded_at) for a in r.answers], dtype=np.int64),
        score=np.array([a.score for a in r.answers], dtype=np.int64),
        outcome_customer=[o.customer for o in r.outcomes],
        outcome_at=np.array([micros(o.occurred_at) for o in r.outcomes], dtype=np.int64),
        outcome_type=[o.type for o in r.outcomes],
        event=event,
        horizon_days=horizon_days,
        until_us=micros(until),
        by={name: _by_values(r, name, zone) for name in dict.fromkeys(by)},
    )
    notes = list(found.notices)
    if r.other_question:
        notes.insert(0, Notice("answers_other_question", {"count": r.other_question}))
    q = r.question
    first = r.answers[0].responded_at if r.answers else None
    last = r.answers[-1].responded_at if r.answers else None
    return {
        "event": event,
        "horizon_days": horizon_days,
        "until": until.astimezone(zone).isoformat(),
        **found.doc,
        "warnings": [notice_json(n, lang) for n in notes],
        "input": {
            "source": "events",
            "touchpoint": r.touchpoint,
            "event_types": list(r.types),
            "scale": q.scale.key,
            "polarity": q.polarity.value,
            "rows": len(r.answers),
            "answers_other_question": r.other_question,
            "outcome_rows": len(r.outcomes),
            "events": found.events,
            "tz": tz,
            "first": None if first is None else first.astimezone(zone).date().isoformat(),
            "last": None if last is None else last.astimezone(zone).date().isoformat(),
        },
    }


def loyalty(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    q: LoyaltyQuery,
    lang: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``GET /v1/touchpoints/{key}/loyalty``: every answer of the touchpoint's current
    question, followed by an outcome ``event`` within ``horizon_days``, up to ``until``."""
    types = outcome_types(ws)
    event = check(types, q)
    until = parse_until(q.until, ws.timezone) if q.until else (now or utcnow())
    r = read(factory, ws.id, types, key)
    return document(r, event, q.horizon_days, until, q.by, ws.timezone, lang)


CARD_HORIZONS: Final = (90, 60, 30)
CARD_MIN_OBSERVED: Final = 50
"""The card's horizon is the longest of these whose low and high effort groups each have
at least this many answers old enough to be judged (else the shortest)."""


def card(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    start: datetime,
    end: datetime,
    lang: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The touchpoint page's card: churn after the answers of the page's period, on the
    longest horizon the data allow (:data:`CARD_HORIZONS`)."""
    now = now or utcnow()
    types = outcome_types(ws)
    event = DEFAULT_EVENT if DEFAULT_EVENT in types else (types[0] if types else DEFAULT_EVENT)
    r = read(factory, ws.id, types, key, start, end)
    doc: dict[str, Any] = {}
    for horizon in CARD_HORIZONS:
        doc = document(r, event, horizon, now, (), ws.timezone, lang)
        groups = doc["by_group"]
        if min(groups["low"]["observed"], groups["high"]["observed"]) >= CARD_MIN_OBSERVED:
            break
    return {"doc": doc, "outcome_types": list(types), "event": event}
