"""Fill a database with the demo workspace, through the same use cases the API calls.

Events go through :func:`fluide.services.events.record_events` in small
batches, each decided at the moment it would have arrived (a few minutes
after its events), so fatigue, cooldown, sampling and expiry work as in real
life; the invited customers answer through
:func:`fluide.services.responses.record_responses`, a little later, in time
order (the answers due before a batch, in one transaction).
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.demo import dashboard
from fluide.demo.consortium import import_consortium
from fluide.demo.customers import PARIS
from fluide.demo.dashboard import DemoLogin
from fluide.demo.outcomes import Answered, outcome_events
from fluide.demo.plan import Plan, Planned, plan
from fluide.demo.touchpoints import TOUCHPOINTS
from fluide.demo.verbatims import (
    COMMENT_RATE,
    EMERGING_WEEKS,
    comment,
    emerging_comment,
    situation_for,
)
from fluide.services import touchpoints as touchpoint_service
from fluide.services.api_keys import add_key
from fluide.services.contact_follow_ups import open_missed_promises
from fluide.services.demo_mode import mark_demo_database
from fluide.services.events import record_events
from fluide.services.responses import Answer, record_responses
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from fluide.storage.db import write_session
from fluide.storage.models import Event, Invitation, Response, Touchpoint, Workspace
from fluide.storage.types import utcnow

DEMO_NAME = "Fluide démo"
BATCH = timedelta(minutes=10)
"""Events are sent in batches of ten minutes, decided a few minutes after."""

ANSWER_RATE = {"in_app": 0.56, "chat": 0.52, "email": 0.32, "link": 0.38, "popover": 0.45}
ANSWER_DELAY_MINUTES = {  # (low, high) minutes after the invitation
    "in_app": (0.3, 8),
    "chat": (0.5, 5),
    "popover": (0.3, 5),
    "email": (8, 9 * 60),
    "link": (5, 6 * 60),
}
NOISE_SD = 1.1

Progress = Callable[[float], None]


@dataclass(frozen=True)
class DemoResult:
    workspace_id: str
    name: str
    api_key: str
    reused: bool
    """``True`` when the database already held the demo workspace: a new key was made."""
    fix_day: str | None
    counts: dict[str, Any]
    logins: list[DemoLogin] = field(default_factory=list)
    """The dashboard accounts, each with a new password (shown once)."""


@dataclass(order=True, frozen=True)
class _Answer:
    at: datetime
    token: str
    score: int
    comment: str | None


def build_demo(
    factory: sessionmaker[Session],
    settings: Settings,
    *,
    weeks: int = 12,
    seed: int = 14,
    customers: int = 600,
    end: datetime | None = None,
    progress: Progress | None = None,
) -> DemoResult:
    """The demo workspace, filled; or, if the database has it already, a new key for it.

    The database is marked as the demo's: demo mode runs on no other.
    """
    mark_demo_database(factory)
    existing = _find_demo(factory)
    if existing is not None:
        key = _new_key(factory, existing)
        logins = dashboard.ensure_accounts(factory, existing)
        return DemoResult(existing, DEMO_NAME, key, True, None, counts(factory, existing), logins)
    ws = create_workspace(factory, DEMO_NAME, fatigue_days=settings.fatigue_days)
    for body in TOUCHPOINTS:
        touchpoint_service.create(factory, ws.id, body)
    # Accounts first: each hard answer's follow-up goes to its agent as it arrives.
    logins = dashboard.ensure_accounts(factory, ws.id)
    the_plan = plan(end or utcnow(), weeks=weeks, customers=customers, seed=seed)
    answered: list[Answered] = []
    sent = _replay(factory, settings, ws.id, the_plan, seed, progress, answered)
    window = the_plan.window
    # What became of the customers after they answered (the touchpoint's loyalty card).
    outcomes = outcome_events(answered, window.end, seed)
    with factory() as s:
        rules = s.get_one(Workspace, ws.id)
    for d in record_events(factory, rules, outcomes, settings, now=window.end):
        sent[str(d["decision"])] += 1
    fix_day = window.fix_at.astimezone(PARIS).date() if window.has_fix else None
    dashboard.log_actions(factory, ws.id, fix_day, window.end)
    # What the worker does every minute, done once at the end: the missed promise shows.
    open_missed_promises(factory, window.end, ws.id)
    dashboard.history_of_follow_ups(factory, ws.id, window.end, seed)
    dashboard.subscribe(factory, ws.id)
    import_consortium(factory, window.end)
    # Duplicates are not stored: the decisions as the host received them say how many.
    totals = {**counts(factory, ws.id), "decisions": dict(sorted(sent.items()))}
    day = fix_day.isoformat() if fix_day else None
    return DemoResult(ws.id, ws.name, ws.api_key, False, day, totals, logins)


def _find_demo(factory: sessionmaker[Session]) -> str | None:
    with factory() as s:
        found = s.execute(
            select(Workspace.id).where(Workspace.name == DEMO_NAME).order_by(Workspace.created_at)
        ).first()
    return None if found is None else str(found[0])


def _new_key(factory: sessionmaker[Session], workspace_id: str) -> str:
    with write_session(factory) as s:
        key, _ = add_key(s, workspace_id, label="fluide demo")
    return key


def _batch_of(p: Planned) -> datetime:
    t = p.sent_at
    return t - (t - t.replace(minute=0, second=0, microsecond=0)) % BATCH


def _replay(
    factory: sessionmaker[Session],
    settings: Settings,
    workspace_id: str,
    the_plan: Plan,
    seed: int,
    progress: Progress | None,
    answered: list[Answered],
) -> Counter[str]:
    """Send every planned event at its time, and the answers in between; the decisions sent.

    Each answer given is added to ``answered`` (its customer, time and score)."""
    rng = random.Random(f"{seed}-answers")  # noqa: S311 - reproducible demo data
    with factory() as s:
        ws = s.get_one(Workspace, workspace_id)
    end = the_plan.window.end
    pending: list[_Answer] = []
    sent: Counter[str] = Counter()
    batches = [list(g) for _, g in groupby(the_plan.events, key=_batch_of)]
    for i, batch in enumerate(batches):
        now = min(_batch_of(batch[0]) + BATCH + timedelta(minutes=rng.uniform(1, 5)), end)
        _answer_until(factory, settings, pending, now)
        decisions = record_events(factory, ws, [p.event for p in batch], settings, now=now)
        for p, d in zip(batch, decisions, strict=True):
            sent[str(d["decision"])] += 1
            if d["decision"] == "invited" and d["invitation"] is not None:
                recent = p.sent_at >= end - timedelta(weeks=EMERGING_WEEKS)
                answer = _answer(rng, p, d["invitation"], now, recent)
                if answer is not None and answer.at <= end:
                    heapq.heappush(pending, answer)
                    answered.append(Answered(p.event.user, answer.at, answer.score))
        if progress is not None and i % 20 == 0:
            progress(i / len(batches))
    _answer_until(factory, settings, pending, end)
    if progress is not None:
        progress(1.0)
    return sent


def _answer(
    rng: random.Random,
    p: Planned,
    invitation: dict[str, Any],
    now: datetime,
    recent: bool = False,
) -> _Answer | None:
    """Whether and how this customer answers: the score, a comment, when."""
    channel = str(invitation["channel"])
    failed = p.action.situation.startswith("fail")
    if rng.random() >= ANSWER_RATE.get(channel, 0.4) + (0.08 if failed else 0.0):
        return None
    score = max(1, min(7, round(rng.gauss(p.action.ease, NOISE_SD))))
    text = None
    tp = p.action.touchpoint
    if tp is not None and rng.random() < COMMENT_RATE[score]:
        text = (emerging_comment(rng, tp, score, p.locale) if recent else None) or comment(
            rng, tp, situation_for(score, p.action.situation), p.locale
        )
    low, high = ANSWER_DELAY_MINUTES.get(channel, (1, 60))
    at = now + timedelta(minutes=rng.uniform(low, high))
    expires = datetime.fromisoformat(str(invitation["expires_at"]))
    at = min(at, expires - timedelta(minutes=5))
    token = str(invitation["url"]).rsplit("/s/", 1)[1]
    return _Answer(at, token, score, text)


def _answer_until(
    factory: sessionmaker[Session], settings: Settings, pending: list[_Answer], until: datetime
) -> None:
    due = []
    while pending and pending[0].at <= until:
        a = heapq.heappop(pending)
        due.append(Answer(a.token, a.score, a.comment, a.at))
    if due:  # in one transaction: a few milliseconds each, where one each cost more
        record_responses(factory, settings, due)


def counts(factory: sessionmaker[Session], workspace_id: str) -> dict[str, Any]:
    """How much the workspace holds: touchpoints, events by decision, invitations, answers."""
    with factory() as s:

        def count(model: type[Any]) -> int:
            q = select(func.count()).select_from(model).where(model.workspace_id == workspace_id)
            return int(s.execute(q).scalar_one())

        by_decision = s.execute(
            select(Event.decision, func.count())
            .where(Event.workspace_id == workspace_id)
            .group_by(Event.decision)
        ).all()
        return {
            "touchpoints": count(Touchpoint),
            "events": count(Event),
            "invitations": count(Invitation),
            "responses": count(Response),
            "decisions": {str(d): int(n) for d, n in sorted(by_decision)},
        }
