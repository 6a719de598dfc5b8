"""Use case: CES per support agent, ranked on small-sample-corrected estimates.

The raw figures of each agent (n, mean and interval, effort index, response
rate) are the blocks of the metrics service grouped by agent, so they equal
``GET /v1/metrics?by=agent`` to the last digit. The ranking is the new part:
each agent's effort index (0 = no effort, 100 = most; one scale for every
question version) is shrunk towards the team by empirical Bayes
(:mod:`fluide.domain.shrinkage`), so that three lucky answers do not top the
table. On a single question the effort index is an affine function of the
score, so the shrunk estimate is also given on the raw scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Final
from zoneinfo import ZoneInfo

import numpy as np
from numpy.typing import NDArray
from sqlalchemy.orm import Session, sessionmaker

from fluide.analysis import AnalyzeOptions, assemble
from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE, Block
from fluide.domain.periods import Period, first_of_last_weeks, local_day_bounds, period_label
from fluide.domain.scales import Polarity, Question
from fluide.domain.shrinkage import MIN_OWN_N, Estimate, Sample, Shrinkage, shrink
from fluide.domain.task_names import task_in
from fluide.exports import Scanned
from fluide.i18n import gettext
from fluide.ingest.spec import ScanResult
from fluide.messages import polarity_name
from fluide.serialize import notice_json, scale_json
from fluide.services.errors import not_found
from fluide.services.metrics import MetricsQuery, analysis, zone_of
from fluide.services.touchpoints import touchpoint_id_of
from fluide.services.workspaces import workspace_of
from fluide.storage import agents as agent_store
from fluide.storage import metrics as store
from fluide.storage import repo
from fluide.storage.models import Workspace
from fluide.storage.questions import question_of

DEFAULT_WEEKS: Final = 12
VERBATIMS: Final = 10
LEVEL: Final = 0.95


@dataclass(frozen=True)
class Window:
    """Inclusive local dates; ``default`` when the caller gave neither end."""

    start: date
    end: date
    tz: str
    default: bool


def window(
    ws_tz: str,
    start: date | None = None,
    end: date | None = None,
    tz: str | None = None,
    now: datetime | None = None,
) -> Window:
    """The period asked for, the last 12 ISO weeks (this one included) by default.

    >>> w = window("Europe/Paris", now=datetime(2026, 3, 4, 12, tzinfo=UTC))
    >>> w.start.isoformat(), w.end.isoformat()
    ('2025-12-15', '2026-03-04')
    """
    zone = zone_of(tz or ws_tz)
    today = (now or datetime.now(UTC)).astimezone(zone).date()
    last = end or today
    first = start or first_of_last_weeks(last, DEFAULT_WEEKS)
    return Window(first, last, zone.key, start is None and end is None)


@dataclass(frozen=True)
class _Table:
    doc: dict[str, Any]
    questions: list[Question]
    index: dict[str, int]  # question version id → position in ``questions``
    versions: dict[str, tuple[Question, int]]  # version id → (question, version number)
    scope: store.Scope


def _qkey(q: Question) -> tuple[str, str, int, int]:
    # What the metrics service pools versions on: scale, polarity, effort groups.
    return (q.scale.key, q.polarity.value, q.groups.low_max, q.groups.high_min)


def _ei_values(questions: list[Question]) -> NDArray[np.float64]:
    return np.array([q.effort_index_of(p) for q in questions for p in q.points])


def _raw(q: Question, ei: float | None) -> float | None:
    """A value of the effort index back on the question's own scale (inverse of the index)."""
    if ei is None:
        return None
    e = 1 + ei * (q.k - 1) / 100
    return e if q.polarity is Polarity.EFFORT else q.k + 1 - e


def _pair(x: tuple[float, float] | None) -> list[float] | None:
    return list(x) if x else None


def _index_range(ci: tuple[float, float] | None) -> tuple[float, float] | None:
    """A normal interval on the effort index cut to the index's own range, 0 to 100."""
    return (max(ci[0], 0.0), min(ci[1], 100.0)) if ci else None


def _raw_ci(q: Question | None, ci: tuple[float, float] | None) -> list[float] | None:
    if q is None or ci is None:
        return None
    return sorted(v for v in (_raw(q, ci[0]), _raw(q, ci[1])) if v is not None)


def _figures(b: Block | None) -> dict[str, Any]:
    return {
        "n": b.n if b else 0,
        "mean": b.mean if b else None,
        "ci": _pair(b.ci95) if b else None,
        "effort_index": b.effort_index if b else None,
        "effort_index_ci": _pair(b.effort_index_ci95) if b else None,
        "small_sample": b.small_sample if b else True,
    }


def _row(
    agent_id: str, name: str | None, b: Block | None, e: Estimate, q: Question | None
) -> dict[str, Any]:
    rr = b.response_rate if b else None
    ci = _index_range(e.ci)
    return {
        "agent_id": agent_id,
        "name": name or agent_id,
        "has_account": name is not None,
        **_figures(b),
        "shrunk": e.estimate,
        "shrunk_ci": _pair(ci),
        "shrunk_mean": _raw(q, e.estimate) if q else None,
        "shrunk_mean_ci": _raw_ci(q, ci),
        "weight": e.weight,
        "variance_source": e.variance_source,
        "rank": e.rank,
        "response_rate": None
        if rr is None
        else {"invited": rr.invited, "answered": rr.answered, "rate": rr.rate},
    }


def _describe(lang: str, q: Question) -> str:
    return f"{q.scale.key}, {polarity_name(lang, q.polarity.value)}"


def _scale_note(lang: str, questions: list[Question], n: int) -> str:
    if n == 0 or not questions:
        return gettext(lang, "No answers from agents in this period.")
    if len(questions) == 1:
        return gettext(
            lang,
            "All answers are on one question (%(scale)s). Agents are ranked on the effort "
            "index (0 = no effort, 100 = most effort), which orders them exactly as the mean "
            "score does.",
            scale=_describe(lang, questions[0]),
        )
    return gettext(
        lang,
        "The answers are on different questions (%(questions)s): every figure is on the effort "
        "index (0 = no effort, 100 = most effort), the only one comparable across scales.",
        questions="; ".join(_describe(lang, q) for q in questions),
    )


def _ranking(sh: Shrinkage) -> dict[str, Any]:
    return {
        "on": "effort_index",
        "lower_is_better": True,
        "method": "empirical_bayes_normal",
        "status": sh.status,
        "level": sh.level,
        "target": sh.target,
        "target_ci": _pair(_index_range(sh.target_ci)),
        "tau2": sh.tau2,
        "within_variance": sh.within_variance,
        "min_own_variance_n": MIN_OWN_N,
    }


def _table(
    factory: sessionmaker[Session], ws: Workspace, w: Window, touchpoint: str | None, lang: str
) -> _Table:
    query = MetricsQuery(
        touchpoint=touchpoint,
        start=w.start,
        end=w.end,
        by=("agent",),
        tz=w.tz,
        periods=(),
        effort_index=True,
        verbatims=0,
    )
    result = analysis(factory, ws, query)
    questions = result.questions
    position = {_qkey(q): i for i, q in enumerate(questions)}
    with factory() as s:
        tp_id = touchpoint_id_of(s, ws.id, touchpoint)
        scope = store.Scope(ws.id, tp_id, *local_day_bounds(w.start, w.end, w.tz))
        versions = {
            v.id: (question_of(v), v.number) for v, _, _ in store.question_versions(s, ws.id, tp_id)
        }
        counted = store.answer_counts(s, scope, "agent")
        names = agent_store.agent_names(s, ws.id)
    index = {vid: position[_qkey(q)] for vid, (q, _) in versions.items() if _qkey(q) in position}
    sizes = [q.k for q in questions]
    offsets = np.concatenate(([0], np.cumsum(sizes))).astype(int)
    counts: dict[str | None, NDArray[np.int64]] = {}
    for vid, score, agent, n in counted:
        if vid not in index:  # an answer that came after the metrics read them
            continue
        row = counts.setdefault(agent, np.zeros(int(offsets[-1]), dtype=np.int64))
        row[offsets[index[vid]] + score - 1] += n
    blocks = {v: b for v, b in result.groups.get("agent", []) if v is not None}
    agents = list(dict.fromkeys([*blocks, *(a for a in counts if a is not None), *names]))
    values = _ei_values(questions)
    empty = np.zeros(len(values), dtype=np.int64)
    sh = shrink(
        [Sample.of_counts(a, values, counts.get(a, empty)) for a in agents],
        lower_is_better=True,
        level=LEVEL,
    )
    single = questions[0] if len(questions) == 1 else None
    rows = [
        _row(a, names.get(a), blocks.get(a), e, single)
        for a, e in zip(agents, sh.estimates, strict=True)
    ]
    rows.sort(key=lambda r: (r["rank"] is None, r["rank"] or 0, -r["n"], r["name"].lower()))
    team_counts = sum((c for a, c in counts.items() if a is not None), empty)
    team = _team_block(questions, team_counts, offsets)
    n_unassigned = next((b.n for v, b in result.groups.get("agent", []) if v is None), 0)
    doc = {
        "period": {
            "from": w.start.isoformat(),
            "to": w.end.isoformat(),
            "tz": w.tz,
            "default": w.default,
        },
        "touchpoint": touchpoint,
        "metric": "effort_index" if len(questions) > 1 else "mean",
        "scale": scale_json(single, sorted(result.versions)) if single else None,
        "scale_note": _scale_note(lang, questions, team.n if team else 0),
        "ranking": _ranking(sh),
        "tau2": sh.tau2,
        "team": _figures(team),
        "unassigned": n_unassigned,
        "ranked": sum(1 for r in rows if r["rank"] is not None),
        "agents": rows,
        "warnings": [notice_json(n, lang) for n in result.warnings if n.code != "small_sample"],
    }
    return _Table(doc, questions, index, versions, scope)


def _team_block(
    questions: list[Question], counts: NDArray[np.int64], offsets: NDArray[np.int64]
) -> Block | None:
    """All agents' answers together, by the same summary as every metrics block."""
    if not questions:
        return None
    scans = [
        ScanResult(k=q.k, overall=counts[offsets[i] : offsets[i + 1]].astype(np.int64))
        for i, q in enumerate(questions)
    ]
    return Scanned(questions, scans).block(lambda s: s.overall, DEFAULT_SMALL_SAMPLE)


def touchpoint_tasks(
    factory: sessionmaker[Session], workspace_id: str, lang: str
) -> dict[str, str]:
    """The workspace's touchpoints, key to task in ``lang``, for the page's filter and verbatims."""
    with factory() as s:
        return {
            tp.key: task_in(tp.task_names, lang, tp.task)
            for tp in repo.touchpoints(s, workspace_id)
        }


def agent_table(
    factory: sessionmaker[Session],
    workspace_id: str,
    *,
    touchpoint: str | None = None,
    start: date | None = None,
    end: date | None = None,
    tz: str | None = None,
    lang: str = "fr",
    now: datetime | None = None,
) -> dict[str, Any]:
    """Every agent's CES with n and interval, ranked on shrunk effort-index estimates.

    Default period: the last 12 ISO weeks in the workspace's time zone. Agents
    come from the answers and invitations of the period and from accounts
    linked to an agent id (those without answers have ``n = 0`` and no rank).
    """
    ws = workspace_of(factory, workspace_id)
    return _table(factory, ws, window(ws.timezone, start, end, tz, now), touchpoint, lang).doc


def _comment(t: _Table, c: agent_store.Comment, zone: ZoneInfo) -> dict[str, Any]:
    q = t.versions[c.version_id][0]
    return {
        "id": c.id,
        "responded_at": c.responded_at.astimezone(zone).isoformat(),
        "score": c.score,
        "effort_index": q.effort_index_of(c.score),
        "effort_group": q.group_of(c.score),
        "comment": c.comment,
        "touchpoint": c.touchpoint,
    }


def _weekly(t: _Table, answers: list[agent_store.Answer], tz: str, lang: str) -> list[Any]:
    """The agent's weekly trend, by the same assembly as every metrics trend."""
    if not t.questions:
        return []
    scans = [ScanResult(k=q.k, overall=np.zeros(q.k, dtype=np.int64)) for q in t.questions]
    for a in answers:
        if a.version_id not in t.index:
            continue
        scan = scans[t.index[a.version_id]]
        scan.overall[a.score - 1] += 1
        label = period_label(a.responded_at, tz, Period.WEEK)
        week = scan.periods.setdefault(Period.WEEK, {})
        week.setdefault(label, np.zeros(scan.k, dtype=np.int64))[a.score - 1] += 1
        version = f"v{t.versions[a.version_id][1]}"
        scan.versions[version] = scan.versions.get(version, 0) + 1
    options = AnalyzeOptions(tz=tz, periods=("week",), effort_index=True, verbatims=0)
    weekly: list[Any] = assemble(Scanned(t.questions, scans), options, {}).to_json(lang)["weekly"]
    return weekly


def agent_page(
    factory: sessionmaker[Session],
    workspace_id: str,
    agent_id: str,
    *,
    touchpoint: str | None = None,
    start: date | None = None,
    end: date | None = None,
    tz: str | None = None,
    lang: str = "fr",
    now: datetime | None = None,
) -> dict[str, Any]:
    """One agent's figures and rank, weekly trend, best and hardest verbatims.

    Nothing about another agent: only the team's figures and how many agents
    are ranked. A 404 when the workspace never had this agent.
    """
    ws = workspace_of(factory, workspace_id)
    w = window(ws.timezone, start, end, tz, now)
    t = _table(factory, ws, w, touchpoint, lang)
    row = next((r for r in t.doc["agents"] if r["agent_id"] == agent_id), None)
    groups = {vid: q.group_points() for vid, (q, _) in t.versions.items()}
    with factory() as s:
        if row is None and not agent_store.agent_known(s, ws.id, agent_id):
            raise not_found("No agent %(value)s in this workspace.", agent_id)
        answers = agent_store.agent_answers(s, t.scope, agent_id)
        low = {vid: g["low"] for vid, g in groups.items()}
        high = {vid: g["high"] for vid, g in groups.items()}
        best = agent_store.agent_comments(s, t.scope, agent_id, low, VERBATIMS)
        hardest = agent_store.agent_comments(s, t.scope, agent_id, high, VERBATIMS)
    if row is None:  # answered before, but neither answered nor invited in the period
        none = Estimate(agent_id, 0, None, None, None, None, None, None, None, None)
        row = _row(agent_id, None, None, none, None)
    zone = ZoneInfo(w.tz)
    doc = {k: v for k, v in t.doc.items() if k not in ("agents", "warnings")}
    return {
        **doc,
        "agent": row,
        "weekly": _weekly(t, answers, w.tz, lang),
        "best": [_comment(t, c, zone) for c in best],
        "hardest": [_comment(t, c, zone) for c in hardest],
    }
