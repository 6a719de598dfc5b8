"""Recontacts from the stored events: ``GET /v1/recontacts`` and the dashboard page.

The contacts of the period are turned into the arrays of
:mod:`fluide.domain.recontacts` and assembled by :func:`fluide.recontacts.assemble`,
the code of ``fluide recontacts``: on the same contacts, the same JSON.
Contacts up to W days before ``from`` and after ``to`` are read for judging only
(whether a contact of the period is a recontact, or was followed by one); the
figures count the period's contacts alone.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fluide.domain.notices import Notice
from fluide.domain.periods import local_day_bounds
from fluide.domain.recontacts import DEFAULT_WINDOW_DAYS, MISSING, Contacts, value_codes
from fluide.i18n import N_
from fluide.ingest.contacts import ContactLog
from fluide.recontacts import AskedVsShown, assemble, split_answers
from fluide.services.attempts import current_question
from fluide.services.contacts import RESOLVED_TYPE, contact_types, text_of, time_of
from fluide.services.errors import check_groupings, invalid
from fluide.services.metrics import zone_of
from fluide.services.touchpoints import touchpoint_of
from fluide.services.workspaces import workspace_in
from fluide.storage import contacts as store
from fluide.storage import follow_ups as follow_up_store
from fluide.storage import repo
from fluide.storage.models import Workspace
from fluide.storage.questions import question_of
from fluide.storage.types import utcnow

BY_FIELDS: Final = {"reason": "reason", "channel": "channel", "agent": "agent_id"}
"""``by`` names and the event property each reads."""
MAX_WINDOW_DAYS: Final = 365
EPOCH: Final = datetime(1970, 1, 1, tzinfo=UTC)
US: Final = timedelta(microseconds=1)


@dataclass(frozen=True)
class RecontactsQuery:
    start: date | None = None
    end: date | None = None
    window_days: int = DEFAULT_WINDOW_DAYS
    by: Sequence[str] = ()
    tz: str | None = None
    touchpoint: str | None = None  # whose answers are split by a recent recontact


def check(q: RecontactsQuery, tz: str) -> ZoneInfo:
    zone = zone_of(tz)
    if q.start is not None and q.end is not None and q.start > q.end:
        raise invalid(
            "from",
            N_("The period starts after it ends: from %(start)s is after to %(end)s."),
            start=q.start.isoformat(),
            end=q.end.isoformat(),
        )
    if not 1 <= q.window_days <= MAX_WINDOW_DAYS:
        raise invalid(
            "window",
            N_("The window is %(min)s to %(max)s days; got %(value)s."),
            min=1,
            max=MAX_WINDOW_DAYS,
            value=q.window_days,
        )
    check_groupings(q.by, BY_FIELDS)
    return zone


def micros(moment: datetime) -> int:
    return (moment - EPOCH) // US


def _resolutions(rows: Sequence[store.ContactEvent]) -> dict[str, list[datetime]]:
    out: dict[str, list[datetime]] = {}
    for r in rows:
        ticket = text_of(r.properties, "ticket_id")
        if ticket is not None:
            out.setdefault(ticket, []).append(r.occurred_at)
    for times in out.values():
        times.sort()
    return out


def _resolved_at(resolutions: dict[str, list[datetime]], ticket: str | None, at: datetime) -> int:
    """The first ``ticket_resolved`` of the ticket at or after the contact."""
    times = resolutions.get(ticket or "")
    if not times:
        return MISSING
    i = bisect_left(times, at)
    return micros(times[i]) if i < len(times) else MISSING


def contact_log(
    rows: Sequence[store.ContactEvent],
    resolved: Sequence[store.ContactEvent],
    by: Sequence[str],
    zone: ZoneInfo,
) -> ContactLog:
    """The contact events as the arrays ``fluide recontacts`` reads from a file."""
    resolutions = _resolutions(resolved)
    customers: dict[str, int] = {}
    channels: dict[str | None, int] = {}
    cu, at, ch, res, prom, week = [], [], [], [], [], []
    for r in rows:
        cu.append(customers.setdefault(r.customer, len(customers)))
        at.append(micros(r.occurred_at))
        channel = text_of(r.properties, "channel")
        ch.append(channels.setdefault(channel, len(channels)))
        res.append(_resolved_at(resolutions, text_of(r.properties, "ticket_id"), r.occurred_at))
        promised = time_of(r.properties, "promised_at")
        prom.append(MISSING if promised is None else micros(promised))
        iso = r.occurred_at.astimezone(zone).isocalendar()
        week.append(iso.year * 100 + iso.week)
    groups = {
        name: value_codes([text_of(r.properties, BY_FIELDS[name]) for r in rows])
        for name in dict.fromkeys(by)
    }
    return ContactLog(
        contacts=Contacts.of(customer=cu, at=at, channel=ch, resolved=res, promised=prom),
        customers=list(customers),
        week=np.asarray(week, dtype=np.int64),
        groups=groups,
    )


def read_contacts(
    s: Session, ws: Workspace, start: datetime | None, end: datetime | None, window: timedelta
) -> tuple[list[store.ContactEvent], list[store.ContactEvent]]:
    """The contacts of ``[start − W, end + W)`` and the resolutions from ``start − W`` on."""
    lo = None if start is None else start - window
    hi = None if end is None else end + window
    rows = store.contact_events(s, ws.id, contact_types(ws), lo, hi)
    return rows, store.contact_events(s, ws.id, [RESOLVED_TYPE], lo, None)


def recontacts(
    factory: sessionmaker[Session], ws: Workspace, q: RecontactsQuery, lang: str
) -> dict[str, Any]:
    """The document of ``fluide recontacts`` on the workspace's contact events."""
    tz = q.tz or ws.timezone
    zone = check(q, tz)
    start, end = local_day_bounds(q.start, q.end, tz)
    with factory() as s:
        rows, resolved = read_contacts(s, ws, start, end, timedelta(days=q.window_days))
    log = contact_log(rows, resolved, q.by, zone)
    times = [r.occurred_at for r in rows]
    counted = np.array(
        [(start is None or t >= start) and (end is None or t < end) for t in times], dtype=bool
    )
    doc = assemble(log, q.window_days, counted=counted)
    if q.touchpoint is not None:
        doc.answers, doc.warnings = _asked_vs_shown(factory, ws, q, start, end, log)
    in_period = [r for r, keep in zip(rows, counted, strict=True) if keep]
    doc.input = {
        "source": "events",
        "event_types": list(contact_types(ws)),
        "rows": len(in_period),
        "customers": len({r.customer for r in in_period}),
        "tz": tz,
        "from": q.start.isoformat() if q.start else None,
        "to": q.end.isoformat() if q.end else None,
        "first": _day(in_period[0].occurred_at, zone) if in_period else None,
        "last": _day(in_period[-1].occurred_at, zone) if in_period else None,
    }
    return doc.to_json(lang)


def _asked_vs_shown(
    factory: sessionmaker[Session],
    ws: Workspace,
    q: RecontactsQuery,
    start: datetime | None,
    end: datetime | None,
    log: ContactLog,
) -> tuple[AskedVsShown | None, list[Notice]]:
    """The touchpoint's answers of the period split by a recontact of their customer in
    the W days before: the same split as ``fluide recontacts --answers``. Only the
    current question (and versions asking the same) is counted: scales never mix."""
    assert q.touchpoint is not None
    with factory() as s:
        tp = touchpoint_of(s, ws.id, q.touchpoint)
        found = current_question(repo.versions(s, ws.id, tp.id), tp.current_version_id)
        rows = store.touchpoint_answers(s, ws.id, tp.id, start, end)
    if found is None:
        return None, []
    current, same = found
    mine = [r for r in rows if r.question_version_id in same]
    result, _ = split_answers(
        log,
        q.window_days,
        [r.customer for r in mine],
        np.array([micros(r.responded_at) for r in mine], dtype=np.int64),
        np.array([r.score for r in mine], dtype=np.int64),
        question_of(current),
    )
    notes = []
    if len(mine) < len(rows):
        notes.append(Notice("answers_other_question", {"count": len(rows) - len(mine)}))
    return result, notes


def _day(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).date().isoformat()


def recontacting_now(
    factory: sessionmaker[Session],
    ws: Workspace,
    window_days: int = DEFAULT_WINDOW_DAYS,
    now: datetime | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Customers whose latest contact is a recontact of the last W days, latest first.

    Each with the contacts of their current episode (read back to 4 W), its
    channels and reasons, their latest contact, and their open follow-up if any.
    """
    moment = now or utcnow()
    window = timedelta(days=window_days)
    with factory() as s:
        rows = store.contact_events(s, ws.id, contact_types(ws), moment - 4 * window, None)
        by_customer: dict[str, list[store.ContactEvent]] = {}
        for r in rows:
            by_customer.setdefault(r.customer, []).append(r)
        found = []
        for customer, mine in by_customer.items():
            last = mine[-1]
            if len(mine) < 2 or last.occurred_at < moment - window:
                continue
            if last.occurred_at - mine[-2].occurred_at > window:
                continue
            episode = [last]
            for prev in reversed(mine[:-1]):
                if episode[-1].occurred_at - prev.occurred_at > window:
                    break
                episode.append(prev)
            episode.reverse()
            found.append((customer, last.user_id, episode))
        found.sort(key=lambda f: f[2][-1].occurred_at, reverse=True)
        found = found[:limit]
        open_ones = follow_up_store.open_by_user(s, ws.id, [f[1] for f in found])
    zone = ZoneInfo(ws.timezone)
    return [
        {
            "customer": customer,
            "contacts": len(episode),
            "channels": _distinct(text_of(e.properties, "channel") for e in episode),
            "reasons": _distinct(text_of(e.properties, "reason") for e in episode),
            "latest_at": episode[-1].occurred_at.astimezone(zone),
            "follow_up_id": open_ones.get(user_id),
        }
        for customer, user_id, episode in found
    ]


def _distinct(values: Iterable[str | None]) -> list[str]:
    return [v for v in dict.fromkeys(values) if v is not None]


DEFAULT_PAGE_WEEKS: Final = 12


def page(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    start: date | None,
    end: date | None,
    lang: str,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The dashboard page's data: the document by reason, channel and agent over the
    period (by default the last 12 weeks), and who is recontacting right now."""
    moment = now or utcnow()
    with factory() as s:
        ws = workspace_in(s, workspace_id)
    today = moment.astimezone(ZoneInfo(ws.timezone)).date()
    default = start is None and end is None
    end = end or today
    start = start or min(end, today) - timedelta(weeks=DEFAULT_PAGE_WEEKS) + timedelta(days=1)
    q = RecontactsQuery(start=start, end=end, by=tuple(BY_FIELDS))
    return {
        "period": {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "tz": ws.timezone,
            "default": default,
        },
        "doc": recontacts(factory, ws, q, lang),
        "now": recontacting_now(factory, ws, q.window_days, moment),
        "event_types": list(contact_types(ws)),
    }
