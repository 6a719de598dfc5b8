"""Use case: what drives a touchpoint's effort, from the data the service holds
(``GET /v1/touchpoints/{key}/drivers`` and the touchpoint page's card).

Each feature is a categorical column per answer of the period (current question
only), given to :func:`fluide.domain.drivers.drivers`, the function of
``fluide drivers``: ``outcome``, ``tenure``, ``channel``, ``agent`` (the page's
splits), ``recontacted`` (``1`` when the customer recontacted support in the W
days before answering: the split of ``GET /v1/recontacts?touchpoint=``),
``attempts`` (``1``, ``2``, ``3+``: the tries of the task answered; empty when
no succeeded task holds it) and one ``tag:KEY`` 0/1 column per active tag
carried by at least :data:`MIN_TAG_ANSWERS` answers, most carried first, as
long as the total stays at most :data:`~fluide.domain.drivers.MAX_FEATURES`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import drivers as dd
from fluide.domain.notices import Notice
from fluide.domain.recontacts import DEFAULT_WINDOW_DAYS
from fluide.domain.segments import tenure_of
from fluide.recontacts import recontact_flags
from fluide.serialize import notice_json
from fluide.services.attempts import attempts_of_answers, current_question, period_bounds
from fluide.services.contacts import contact_types
from fluide.services.errors import not_found
from fluide.services.recontacts import contact_log, micros
from fluide.services.touchpoints import touchpoint_of
from fluide.storage import contacts as contact_store
from fluide.storage import outcomes as store
from fluide.storage import repo
from fluide.storage import tags as tag_store
from fluide.storage.models import Workspace
from fluide.storage.questions import question_of
from fluide.storage.types import utcnow

BASE_FEATURES: Final = ("outcome", "tenure", "channel", "agent", "recontacted", "attempts")
TAG_PREFIX: Final = "tag:"
MIN_ANSWERS: Final = 30
"""Below this many answers, no driver is estimated."""
MIN_TAG_ANSWERS: Final = 10
"""A tag becomes a feature when at least this many answers of the period carry it."""
RESAMPLES: Final = 100
"""Bootstrap resamples (seeded: the same data give the same intervals); fewer than the
command's 1000 so that the page stays fast."""
SEED: Final = 0


def features_of(
    answers: list[contact_store.AnswerOf],
    tags_of: dict[str, set[str]],
    active_tags: list[str],
    recontacted: list[bool],
    attempts_of: Mapping[str, str],
    zone: ZoneInfo,
) -> tuple[dict[str, list[str]], list[dict[str, Any]]]:
    """The feature columns kept (at most ``MAX_FEATURES``) and those left out, with why."""
    n = len(answers)
    columns: dict[str, list[str]] = {
        "outcome": [a.outcome or "" for a in answers],
        "tenure": [
            tenure_of(
                a.responded_at.astimezone(zone).date(),
                date.fromisoformat(a.customer_since) if a.customer_since else None,
            )
            or ""
            for a in answers
        ],
        "channel": [a.channel or "" for a in answers],
        "agent": [a.agent_id or "" for a in answers],
        "recontacted": ["1" if r else "0" for r in recontacted],
        "attempts": [attempts_of.get(a.event_id, "") for a in answers],
    }
    kept: dict[str, list[str]] = {}
    left: list[dict[str, Any]] = []
    for name, values in columns.items():
        if len(set(values)) < 2:
            left.append({"feature": name, "reason": "one_level", "answers": n})
        else:
            kept[name] = values
    carried = Counter(t for a in answers for t in tags_of.get(a.id, ()) if t in active_tags)
    ranked = sorted(carried, key=lambda t: (-carried[t], t))
    for tag in ranked:
        name = TAG_PREFIX + tag
        if carried[tag] < MIN_TAG_ANSWERS:
            left.append({"feature": name, "reason": "too_few_answers", "answers": carried[tag]})
        elif carried[tag] == n:
            left.append({"feature": name, "reason": "one_level", "answers": carried[tag]})
        elif len(kept) >= dd.MAX_FEATURES:
            left.append({"feature": name, "reason": "limit", "answers": carried[tag]})
        else:
            kept[name] = ["1" if tag in tags_of.get(a.id, ()) else "0" for a in answers]
    return kept, left


def drivers(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    start: date,
    end: date,
    lang: str,
    *,
    now: datetime | None = None,
    resamples: int = RESAMPLES,
    attempts_of: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``fluide drivers`` document of the touchpoint's answers given in local days
    ``start``–``end`` (inclusive), with the features considered and those left out.

    ``attempts_of``: the attempts groups of the period's events, when the caller
    has them already (the page, from its attempts card); else they are read."""
    now = now or utcnow()
    lo, hi = period_bounds(ws, start, end)
    zone = ZoneInfo(ws.timezone)
    window = timedelta(days=DEFAULT_WINDOW_DAYS)
    with factory() as s:
        tp = touchpoint_of(s, ws.id, key)
        found = current_question(repo.versions(s, ws.id, tp.id), tp.current_version_id)
        if found is None:
            raise not_found("Touchpoint %(value)s has no question.", key)
        rows = contact_store.touchpoint_answers(s, ws.id, tp.id, lo, hi)
        pairs = store.answer_tags(s, ws.id, tp.id, lo, hi)
        active = [t.key for t in tag_store.tags(s, ws.id) if t.active]
        contacts = contact_store.contact_events(
            s, ws.id, contact_types(ws), lo - window, hi, properties=False
        )
    current, same = found
    q = question_of(current)
    answers = [r for r in rows if r.question_version_id in same]
    tags_of: dict[str, set[str]] = {}
    for rid, tag in pairs:
        tags_of.setdefault(rid, set()).add(tag)
    log = contact_log(contacts, [], (), zone)
    at = np.array([micros(a.responded_at) for a in answers], dtype=np.int64)
    _, flags = recontact_flags(log, DEFAULT_WINDOW_DAYS, [a.customer for a in answers], at)
    if attempts_of is None:
        attempts_of = attempts_of_answers(factory, ws, key, lo, hi, now)
    kept, left = features_of(answers, tags_of, active, list(flags), attempts_of, zone)
    notes = []
    if len(answers) < len(rows):
        notes.append(Notice("answers_other_question", {"count": len(rows) - len(answers)}))
    effort = np.array([q.effort_of(p) for p in q.points], dtype=np.float64)
    e = effort[np.array([a.score for a in answers], dtype=np.int64) - q.points[0]]
    if len(answers) < MIN_ANSWERS:
        few = [{"feature": f, "reason": "too_few_answers", "answers": len(answers)} for f in kept]
        left, kept = few + left, {}
    result = dd.drivers(e, kept, seed=SEED, resamples=resamples) if kept else None
    return {
        "touchpoint": tp.key,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "n": len(answers),
        "r2": None if result is None else result.r2,
        "drivers": [] if result is None else [d.to_json() for d in result.drivers],
        "resamples": 0 if result is None else result.resamples,
        "seed": SEED,
        "features": {"considered": list(kept), "left_out": left},
        "min_answers": MIN_ANSWERS,
        "min_tag_answers": MIN_TAG_ANSWERS,
        "warnings": [notice_json(n, lang) for n in notes],
        "input": {
            "source": "answers",
            "scale": q.scale.key,
            "polarity": q.polarity.value,
            "rows": len(answers),
            "answers_other_question": len(rows) - len(answers),
            "tz": ws.timezone,
        },
    }
