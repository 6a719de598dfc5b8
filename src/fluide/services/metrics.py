"""Use case: the metrics of collected answers (``GET /v1/metrics``).

Storage counts answers per question version and score, and invitations per
group; this module puts the counts in the structures a file scan gives (one
:class:`~fluide.ingest.spec.ScanResult` per question) and calls the same
assembly as ``fluide analyze``, so the API, the CLI and the reports agree to
the last digit. Versions asking the same question (scale, polarity, effort
groups) are pooled with a warning; different questions are refused unless
the caller asks for the effort index.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from fluide.analysis import Analysis, AnalyzeOptions, assemble
from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE
from fluide.domain.periods import Period, local_day_bounds, period_label
from fluide.domain.scales import Question
from fluide.domain.segments import DEFAULT_NEW_DAYS, tenure_of
from fluide.exports import Invited, Scanned
from fluide.i18n import N_
from fluide.ingest.spec import ScanResult, Verbatim
from fluide.services.errors import ServiceError, invalid
from fluide.services.touchpoints import touchpoint_id_of
from fluide.storage import metrics as store
from fluide.storage.models import QuestionVersion, Workspace
from fluide.storage.questions import question_of

GROUPING = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
QKey = tuple[str, str, int, int]
"""What versions must share to be pooled: scale, polarity, low_max, high_min."""


@dataclass(frozen=True)
class MetricsQuery:
    """What to analyse; the names follow ``fluide analyze`` (``tz=None``: the workspace's)."""

    touchpoint: str | None = None
    start: date | None = None
    end: date | None = None
    by: Sequence[str] = ()
    tz: str | None = None
    periods: Sequence[str] = ("week",)
    small_sample: int = DEFAULT_SMALL_SAMPLE
    new_days: int = DEFAULT_NEW_DAYS
    effort_index: bool = False
    verbatims: int = 10


def zone_of(tz: str) -> ZoneInfo:
    """The time zone of the ``tz`` parameter, or a 422 naming it."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise invalid(
            "tz",
            N_(
                "Unknown time zone %(value)s in %(param)s; use an IANA name such as Europe/Paris "
                "or UTC."
            ),
            value=tz,
            param="tz",
        ) from None


def _check(q: MetricsQuery, tz: str) -> ZoneInfo:
    zone = zone_of(tz)
    if q.start is not None and q.end is not None and q.start > q.end:
        raise invalid(
            "from",
            N_("The period starts after it ends: from %(start)s is after to %(end)s."),
            start=q.start.isoformat(),
            end=q.end.isoformat(),
        )
    for name in q.by:
        if not GROUPING.match(name):
            raise invalid(
                "by",
                N_("Grouping names are 1 to 64 letters, digits, _ or -; got %(value)s."),
                value=name,
            )
    for p in q.periods:
        if p not in {x.value for x in Period}:
            raise invalid(
                "period", N_("Unknown period %(value)s; allowed: day, week, month."), value=p
            )
    for param, value, least in (
        ("small_sample", q.small_sample, 1),
        ("new_days", q.new_days, 1),
        ("verbatims", q.verbatims, 0),
    ):
        if value < least:
            raise invalid(
                param,
                N_("%(param)s must be at least %(least)s, got %(value)s."),
                param=param,
                least=least,
                value=value,
            )
    return zone


def _key(v: QuestionVersion) -> QKey:
    return (v.scale, v.polarity, v.low_max, v.high_min)


def _describe(q: Question, all_questions: Sequence[Question]) -> str:
    """``1-7 (ease)``, with the effort groups when they are the only difference."""
    if sum(x.key == q.key for x in all_questions) > 1:
        return f"{q.describe()} [low ≤ {q.groups.low_max}, high ≥ {q.groups.high_min}]"
    return q.describe()


def _questions(
    versions: dict[str, tuple[QuestionVersion, str, bool]], answered: dict[str, int]
) -> list[tuple[QKey, Question]]:
    """The distinct questions answered, most answered first (as a file scan orders them).

    Without answers, the questions asked now, so an empty window is refused
    or shown the same way a full one would be.
    """
    pool = [v for v, _, _ in versions.values() if answered.get(v.id)]
    pool = pool or [v for v, _, current in versions.values() if current]
    weight: dict[QKey, int] = {}
    first: dict[QKey, QuestionVersion] = {}
    for v in pool:
        weight[_key(v)] = weight.get(_key(v), 0) + answered.get(v.id, 0)
        first.setdefault(_key(v), v)
    return [(k, question_of(first[k])) for k in sorted(weight, key=lambda k: -weight[k])]


def _mixed(
    questions: list[Question],
    versions: dict[str, tuple[QuestionVersion, str, bool]],
    answered: dict[str, int],
) -> ServiceError:
    details = [
        {
            "touchpoint": key,
            "version": v.number,
            "scale": v.scale,
            "polarity": v.polarity,
            "effort_groups": {"low_max": v.low_max, "high_min": v.high_min},
            "since": v.created_at.isoformat(),
            "answers": answered[v.id],
        }
        for v, key, _ in versions.values()
        if answered.get(v.id)
    ]
    return ServiceError(
        "mixed_questions",
        "The answers are on different questions (%(questions)s) and cannot be pooled. Choose "
        "a from date after the question changed, filter by touchpoint, or pass "
        "effort_index=true to compare them on the 0-100 effort index.",
        status=409,
        details=details,
        questions=", ".join(_describe(q, questions) for q in questions),
    )


def _bump(table: dict[Any, Any], value: Any, score: int, n: int, k: int) -> None:
    if value not in table:
        table[value] = np.zeros(k, dtype=np.int64)
    table[value][score - 1] += n


def _since(text: str | None) -> date | None:
    """A ``customer_since`` as stored (YYYY-MM-DD, maybe with a time); unreadable is unknown."""
    try:
        return date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


@contextmanager
def _snapshot(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A read-only session whose queries all see the same moment (counts add up)."""
    with factory() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        yield s


def analysis(factory: sessionmaker[Session], ws: Workspace, q: MetricsQuery) -> Analysis:
    """The analysis of the workspace's answers: the document of ``fluide analyze``, plus rates."""
    tz = q.tz or ws.timezone
    zone = _check(q, tz)
    with _snapshot(factory) as s:
        merged = _read(s, ws, q, zone)
    options = AnalyzeOptions(
        by=merged.by,
        tz=tz,
        periods=tuple(dict.fromkeys(q.periods)),
        touchpoint=q.touchpoint,
        new_days=q.new_days,
        small_sample=q.small_sample,
        effort_index=q.effort_index,
        verbatims=q.verbatims,
    )
    return assemble(merged, options, _input(merged, q, tz, zone))


def _read(s: Session, ws: Workspace, q: MetricsQuery, zone: ZoneInfo) -> Scanned:
    """The counts of the window, one scan per distinct question, as a file scan gives them."""
    touchpoint_id = touchpoint_id_of(s, ws.id, q.touchpoint)
    scope = store.Scope(ws.id, touchpoint_id, *local_day_bounds(q.start, q.end, zone.key))
    versions = {v.id: (v, k, cur) for v, k, cur in store.question_versions(s, ws.id, touchpoint_id)}
    totals = store.answer_totals(s, scope)
    answered: dict[str, int] = {}
    for vid, _score, n, _first, _last in totals:
        answered[vid] = answered.get(vid, 0) + n
    keyed = _questions(versions, answered)
    questions = [question for _, question in keyed]
    if len(questions) > 1 and not q.effort_index:
        raise _mixed(questions, versions, answered)
    scans = {k: ScanResult(k=x.k, overall=np.zeros(x.k, dtype=np.int64)) for k, x in keyed}
    scan_of = {vid: scans[_key(v)] for vid, (v, _, _) in versions.items() if _key(v) in scans}
    for vid, score, n, first, last in totals:
        scan = scan_of[vid]
        scan.overall[score - 1] += n
        label = f"v{versions[vid][0].number}"
        scan.versions[label] = scan.versions.get(label, 0) + n
        scan.first = first if scan.first is None else min(scan.first, first)
        scan.last = last if scan.last is None else max(scan.last, last)
    # Local dates are needed where rows are: the zone's offsets over their span only.
    span = [t for x in totals for t in x[3:]] + [t for t in store.invitation_span(s, scope) if t]
    if span:
        scope = replace(scope, offsets=offsets(zone, min(span), max(span)))
    by = tuple(dict.fromkeys(q.by))
    _count(s, scope, q, by, scan_of)
    high = {vid: question_of(versions[vid][0]).group_points()["high"] for vid in answered}
    for vid, score, at, comment, key in store.high_effort_comments(s, scope, high, q.verbatims):
        scan_of[vid].verbatims.append(
            Verbatim(at.timestamp(), at.astimezone(zone).isoformat(), score, comment, key)
        )
    return Scanned(questions, list(scans.values()), by, _invited(s, scope, by, q.new_days))


def _count(
    s: Session,
    scope: store.Scope,
    q: MetricsQuery,
    by: Sequence[str],
    scan_of: dict[str, ScanResult],
) -> None:
    """Counts per group value and per period into each version's scan."""
    for name in by:
        if name != store.TENURE:
            for vid, score, value, n in store.answer_counts(s, scope, name):
                scan = scan_of[vid]
                _bump(scan.groups.setdefault(name, {}), value, score, n, scan.k)
    periods = [Period(p) for p in dict.fromkeys(q.periods)]
    tenure = store.TENURE in by
    if not (periods or tenure):
        return
    labels: dict[tuple[date, Period], str] = {}
    for vid, score, day, since, n in store.answer_days(s, scope, tenure):
        scan = scan_of[vid]
        for p in periods:
            if (day, p) not in labels:
                labels[day, p] = period_label(datetime.combine(day, time(12), UTC), "UTC", p)
            _bump(scan.periods.setdefault(p, {}), labels[day, p], score, n, scan.k)
        if tenure:
            value = tenure_of(day, _since(since), q.new_days)
            _bump(scan.groups.setdefault(store.TENURE, {}), value, score, n, scan.k)


def offsets(zone: ZoneInfo, lo: datetime | None, hi: datetime | None) -> store.Offsets:
    """The zone's UTC offsets (seconds) from ``lo`` to ``hi``, each until it changes.

    Daylight saving changes are found day by day, then to the second, so
    the databases can date answers locally without knowing the zone.

    >>> paris = ZoneInfo("Europe/Paris")
    >>> offsets(paris, datetime(2026, 3, 28, tzinfo=UTC), datetime(2026, 3, 31, tzinfo=UTC))
    ((datetime.datetime(2026, 3, 29, 1, 0, tzinfo=datetime.timezone.utc), 3600), (None, 7200))
    """

    def off(epoch: int) -> int:
        delta = datetime.fromtimestamp(epoch, UTC).astimezone(zone).utcoffset()
        return int(delta.total_seconds()) if delta else 0

    if lo is None or hi is None:
        return ((None, off(int(datetime.now(UTC).timestamp()))),)
    out: list[tuple[datetime | None, int]] = []
    t, end = int(lo.timestamp()), int(hi.timestamp()) + 1
    current = off(t)
    while t < end:
        step = min(t + 86_400, end)
        if off(step) == current:
            t = step
            continue
        a, b = t, step  # off(a) == current != off(b): the change is in (a, b]
        while b - a > 1:
            mid = (a + b) // 2
            a, b = (mid, b) if off(mid) == current else (a, mid)
        out.append((datetime.fromtimestamp(b, UTC), current))
        current, t = off(b), b
    return (*out, (None, current))


def _invited(s: Session, scope: store.Scope, by: Sequence[str], new_days: int) -> Invited:
    """Invitations sent in the window, and how many were answered, overall and per group."""
    rows = store.invitation_counts(s, scope, None)
    overall = (sum(n for _, n, _ in rows), sum(a for _, _, a in rows))
    groups: dict[str, dict[str | None, tuple[int, int]]] = {}
    for name in by:
        table: dict[str | None, tuple[int, int]] = {}
        if name == store.TENURE:
            for day, since, n, a in store.invitation_days(s, scope):
                value = tenure_of(day, _since(since), new_days)
                was = table.get(value, (0, 0))
                table[value] = (was[0] + n, was[1] + a)
        else:
            table = {value: (n, a) for value, n, a in store.invitation_counts(s, scope, name)}
        groups[name] = table
    return Invited(overall, groups)


def _input(merged: Scanned, q: MetricsQuery, tz: str, zone: ZoneInfo) -> dict[str, Any]:
    firsts = [s.first for s in merged.scans if s.first]
    lasts = [s.last for s in merged.scans if s.last]
    return {
        "source": "database",
        "rows": sum(s.rows for s in merged.scans),
        "tz": tz,
        "first": min(firsts).astimezone(zone).date().isoformat() if firsts else None,
        "last": max(lasts).astimezone(zone).date().isoformat() if lasts else None,
        "touchpoint": q.touchpoint,
        "from": q.start.isoformat() if q.start else None,
        "to": q.end.isoformat() if q.end else None,
    }


def metrics(
    factory: sessionmaker[Session], ws: Workspace, q: MetricsQuery, lang: str = "fr"
) -> dict[str, Any]:
    """The JSON document of ``GET /v1/metrics`` (warnings in ``lang``).

    Like ``fluide analyze``, it carries the ``frictions`` of the latest week with
    answers in the window (from the tags the worker stored; the server never tags).
    """
    result = analysis(factory, ws, q)
    last = result.input.get("last")
    if last:
        from fluide.services.frictions import weekly

        day = date.fromisoformat(str(last))
        week = period_label(datetime.combine(day, time(12), UTC), "UTC", "week")
        result.frictions = weekly(factory, ws, week, touchpoint=q.touchpoint, tz=q.tz)
    return result.to_json(lang)
