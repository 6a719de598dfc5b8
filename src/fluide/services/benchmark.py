"""Use cases of the CES benchmark: export a workspace's aggregates, import other companies'
files into the instance's pool, and what a workspace sees of the pool (``GET /v1/benchmark``,
the card of a touchpoint page).

Every aggregate, exported or live (opted-in workspaces of this instance), is computed by
:func:`workspace_aggregates`; every figure shown comes from
:func:`fluide.domain.benchmark.release`.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session, sessionmaker

from fluide.domain import benchmark as domain
from fluide.domain.benchmark import Aggregate, Contribution
from fluide.domain.benchmark_file import BenchmarkFile
from fluide.domain.periods import local_day_bounds
from fluide.domain.scales import EffortGroups, Question, polarity_by_key, scale_by_key
from fluide.domain.stats import Counts
from fluide.i18n import N_
from fluide.services.dates import checked_day
from fluide.services.errors import invalid
from fluide.services.workspaces import workspace_in
from fluide.storage import benchmark as store
from fluide.storage import repo
from fluide.storage.benchmark_models import BenchmarkContribution
from fluide.storage.db import write_session
from fluide.storage.models import Workspace
from fluide.storage.types import new_id, utcnow

DEFAULT_DAYS: Final = 90
CONTRIBUTOR_PREFIX: Final = "bc_"
PERIOD_ORDER: Final = N_("The period starts after it ends: from %(start)s is after to %(end)s.")


def category_of(value: str | None) -> str | None:
    """A task category sent by a person (``None`` or empty: none), or a 422 naming the list."""
    if value is None or value == "":
        return None
    if value not in domain.CATEGORIES:
        raise invalid(
            "task_category",
            N_("%(value)s is not a task category; allowed: %(allowed)s."),
            value=value[:60],
            allowed=", ".join(domain.CATEGORIES),
        )
    return value


def period(tz: str, start: date | None, end: date | None, now: datetime) -> tuple[date, date]:
    """``from``–``to`` (inclusive local dates), by default the last 90 days up to today."""
    checked_day("from", start)
    checked_day("to", end)
    end = end or now.astimezone(ZoneInfo(tz)).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise invalid("from", PERIOD_ORDER, start=start.isoformat(), end=end.isoformat())
    return start, end


def _question(scale: str, polarity: str, low_max: int, high_min: int) -> Question:
    return Question(scale_by_key(scale), polarity_by_key(polarity), EffortGroups(low_max, high_min))


Parts = dict[str, list[tuple[Question, Counts]]]


def _parts(rows: Sequence[store.CountRow]) -> Parts:
    """Counts per scale point of each touchpoint's current question, by category."""
    counts: dict[tuple[str, str], list[int]] = {}
    questions: dict[tuple[str, str], Question] = {}
    for category, tp, scale, polarity, lo, hi, score, n in rows:
        key = (category, tp)
        if key not in questions:
            questions[key] = _question(scale, polarity, lo, hi)
            counts[key] = [0] * questions[key].k
        if 1 <= score <= questions[key].k:
            counts[key][score - 1] += n
    out: Parts = defaultdict(list)
    for key, q in questions.items():
        out[key[0]].append((q, counts[key]))
    return dict(out)


def _rows(s: Session, ws: Workspace, start: date, end: date) -> list[store.CountRow]:
    lo, hi = local_day_bounds(start, end, ws.timezone)
    assert lo is not None and hi is not None  # checked dates are within the calendar
    return store.category_counts(s, ws.id, lo, hi)


def workspace_aggregates(s: Session, ws: Workspace, start: date, end: date) -> list[Aggregate]:
    """The workspace's aggregates: what its export holds and what it contributes live."""
    return domain.aggregates(_parts(_rows(s, ws, start, end)), start, end)


def contributor_of(ws: Workspace) -> str:
    """The workspace's contributor id, given now if it has none: random, opaque, stable
    (never derived from its id or name)."""
    if not ws.benchmark_contributor:
        ws.benchmark_contributor = CONTRIBUTOR_PREFIX + secrets.token_hex(16)
    return ws.benchmark_contributor


def ensure_contributor(factory: sessionmaker[Session], workspace_id: str) -> str:
    with write_session(factory) as s:
        return contributor_of(workspace_in(s, workspace_id))


def export(
    factory: sessionmaker[Session],
    workspace_id: str,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The benchmark file of a workspace: its contributor id and aggregates, nothing else."""
    now = now or utcnow()
    contributor = ensure_contributor(factory, workspace_id)
    with factory() as s:
        ws = workspace_in(s, workspace_id)
        start, end = period(ws.timezone, start, end, now)
        found = workspace_aggregates(s, ws, start, end)
    return domain.export_document(contributor, now, start, end, found)


@dataclass(frozen=True)
class Imported:
    contributor: str
    categories: list[str]
    replaced: bool
    kept_newer: bool = False


def import_files(factory: sessionmaker[Session], files: Sequence[BenchmarkFile]) -> list[Imported]:
    """Store checked files in the instance's pool, all in one transaction.

    One row per contributor and category; a file replaces what the same contributor
    had, unless the stored one was exported later (then the stored one stays).
    """
    newest: dict[str, BenchmarkFile] = {}
    for f in files:
        if f.contributor not in newest or f.exported_at > newest[f.contributor].exported_at:
            newest[f.contributor] = f
    out: list[Imported] = []
    with write_session(factory) as s:
        stored = store.stored_export_times(s, list(newest))
        for contributor, f in newest.items():
            before = stored.get(contributor)
            if before is not None and before > f.exported_at:
                out.append(Imported(contributor, [], False, kept_newer=True))
                continue
            store.replace(s, contributor, [_row(f, c) for c in f.contributions])
            out.append(
                Imported(contributor, [c.category for c in f.contributions], before is not None)
            )
    return out


def _row(f: BenchmarkFile, c: Contribution) -> BenchmarkContribution:
    assert c.start is not None and c.end is not None  # read_file sets the period
    return BenchmarkContribution(
        id=new_id("bcn"),
        contributor=c.contributor,
        category=c.category,
        answers=c.answers,
        mean=c.mean,
        sd=c.sd,
        low=c.groups["low"],
        moderate=c.groups["moderate"],
        high=c.groups["high"],
        period_from=c.start,
        period_to=c.end,
        exported_at=f.exported_at,
    )


def _contribution(row: BenchmarkContribution) -> Contribution:
    groups = {"low": row.low, "moderate": row.moderate, "high": row.high}
    return Contribution(
        row.contributor,
        row.category,
        row.answers,
        row.mean,
        row.sd,
        groups,
        row.period_from,
        row.period_to,
    )


def listed(factory: sessionmaker[Session]) -> list[dict[str, Any]]:
    """The imported pool as the operator sees it: contributor, category, answers, period."""
    with factory() as s:
        rows = store.contributions(s)
        return [
            {
                "contributor": r.contributor,
                "category": r.category,
                "answers": r.answers,
                "from": r.period_from.isoformat(),
                "to": r.period_to.isoformat(),
                "exported_at": r.exported_at.isoformat(),
            }
            for r in rows
        ]


def remove(factory: sessionmaker[Session], contributor: str) -> int:
    with write_session(factory) as s:
        return store.remove(s, contributor)


def live_contributions(s: Session, start: date, end: date) -> list[Contribution]:
    """The aggregates of this instance's opted-in workspaces over the period."""
    out = []
    for ws in store.opted_in(s):
        assert ws.benchmark_contributor is not None  # the query asks for one
        for a in workspace_aggregates(s, ws, start, end):
            out.append(
                Contribution(
                    ws.benchmark_contributor,
                    a.category,
                    a.answers,
                    a.mean,
                    a.sd,
                    a.groups,
                    a.start,
                    a.end,
                )
            )
    return out


def _pool(s: Session, viewer: str | None, start: date, end: date) -> dict[str, list[Contribution]]:
    imported = [_contribution(r) for r in store.contributions(s)]
    return domain.pool(imported, live_contributions(s, start, end), viewer)


def _own_json(own: domain.Own) -> dict[str, Any]:
    return {
        "answers": own.answers,
        "effort_index": own.effort_index,
        "ci95": None if own.ci95 is None else list(own.ci95),
    }


def benchmark(
    factory: sessionmaker[Session],
    ws: Workspace,
    start: date | None = None,
    end: date | None = None,
    *,
    now: datetime | None = None,
) -> dict[str, Any]:
    """For each category of the workspace's touchpoints: its own effort index (exact) and
    what it may see of the pool (``GET /v1/benchmark``)."""
    start, end = period(ws.timezone, start, end, now or utcnow())
    with factory() as s:
        ws = workspace_in(s, ws.id)
        tps = [tp for tp in repo.touchpoints(s, ws.id) if tp.task_category]
        own_parts = _parts(_rows(s, ws, start, end))
        pooled = _pool(s, ws.benchmark_contributor, start, end)
    categories = []
    for category in domain.CATEGORIES:
        keys = [tp.key for tp in tps if tp.task_category == category]
        if not keys:
            continue
        own = domain.own_figure(own_parts.get(category, []))
        means = [c.mean for c in pooled.get(category, [])]
        categories.append(
            {
                "category": category,
                "names": dict(domain.CATEGORIES[category]),
                "touchpoints": keys,
                "own": _own_json(own),
                "pool": domain.release(means, own.effort_index).to_json(),
            }
        )
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "opt_in": ws.benchmark_opt_in,
        "min_contributors": domain.MIN_CONTRIBUTORS,
        "min_answers": domain.MIN_ANSWERS,
        "categories": categories,
    }


def card(
    factory: sessionmaker[Session],
    ws: Workspace,
    key: str,
    lang: str,
    *,
    now: datetime | None = None,
) -> dict[str, Any] | None:
    """The touchpoint page's card: its category's figures (``None``: not in the benchmark).

    The workspace's figure is the category's, as in ``GET /v1/benchmark`` (the pool
    compares companies by category, not touchpoints).
    """
    with factory() as s:
        tp = repo.touchpoint_by_key(s, ws.id, key)
        if tp is None or not tp.task_category:
            return None
        category = tp.task_category
    doc = benchmark(factory, ws, now=now)
    found = next((c for c in doc["categories"] if c["category"] == category), None)
    if found is None:
        return None
    return {
        **found,
        "name": domain.category_name(category, lang),
        "period": doc["period"],
        "min_contributors": domain.MIN_CONTRIBUTORS,
    }


def set_opt_in(ws: Workspace, opt_in: bool) -> None:
    """Contribute live to the instance's pool (a contributor id is given then), or stop."""
    if opt_in:
        contributor_of(ws)
    ws.benchmark_opt_in = opt_in
