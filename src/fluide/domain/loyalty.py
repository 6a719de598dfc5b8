"""What happened to customers after they answered: outcome rates by effort (no I/O).

An answer at time ``t`` is *observed* when ``t + H ≤ end`` (the end of
observation), and *followed* when its customer has an outcome of the kind
studied in ``(t, t + H]``. Only observed answers can be followed: the rate is
``100 × followed / observed``. Every answer counts, a customer who answered
twice counts twice. Times are epoch microseconds (int64), compared exactly.

>>> D = 86_400_000_000
>>> obs, fol = follow(
...     answer_customer=[0, 0, 1], answer_at=[0, 50 * D, 0],
...     event_customer=[0], event_at=[90 * D], horizon_us=90 * D, end_us=100 * D)
>>> obs.tolist(), fol.tolist()
([True, False, True], [True, False, False])
>>> c = cell(answers=3, observed=2, followed=1)
>>> c.rate, [round(x, 1) for x in c.ci95]
(50.0, [9.5, 90.5])
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

from fluide.domain.notices import Notice
from fluide.domain.scales import GROUP_NAMES, Question
from fluide.domain.stats import wilson_interval

DAY_US = 86_400_000_000
DEFAULT_HORIZON_DAYS = 90
FEW_FOLLOWED = 10
"""Below this many followed answers, a group's rate is too uncertain to read alone."""

I64 = NDArray[np.int64]
B = NDArray[np.bool_]


def follow(
    *,
    answer_customer: ArrayLike,
    answer_at: ArrayLike,
    event_customer: ArrayLike,
    event_at: ArrayLike,
    horizon_us: int,
    end_us: int,
) -> tuple[B, B]:
    """Per answer: observed, and followed by an event of its customer in ``(t, t + H]``.

    Customers are integer codes; an answer whose code is negative (no
    customer) is never followed. One sort and one ``searchsorted``: each
    answer looks up its customer's first event strictly after it.
    """
    ac = np.asarray(answer_customer, dtype=np.int64)
    at = np.asarray(answer_at, dtype=np.int64)
    ec = np.asarray(event_customer, dtype=np.int64)
    et = np.asarray(event_at, dtype=np.int64)
    observed = at + horizon_us <= end_us
    if len(ec) == 0 or len(ac) == 0:
        return observed, np.zeros(len(ac), dtype=bool)
    # Dense ranks of every time keep the order (ties equal) and make a
    # (customer, time) key that fits in int64, where raw microseconds would not.
    _, rank = np.unique(np.concatenate([at, et]), return_inverse=True)
    m = int(rank.max()) + 1
    a_key = ac * m + rank[: len(at)]
    e_key = ec * m + rank[len(at) :]
    order = np.argsort(e_key, kind="stable")
    e_key, ec, et = e_key[order], ec[order], et[order]
    nxt = np.searchsorted(e_key, a_key, side="right")  # first event with a greater key
    inside = nxt < len(e_key)
    j = np.where(inside, nxt, 0)
    followed = inside & (ec[j] == ac) & (et[j] <= at + horizon_us) & (ac >= 0) & observed
    return observed, followed


@dataclass(frozen=True)
class Cell:
    """Answers, observed, followed, and the rate with its Wilson interval, in %."""

    answers: int
    observed: int
    followed: int
    rate: float | None
    ci95: tuple[float, float] | None

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "observed": self.observed,
            "followed": self.followed,
            "rate": self.rate,
            "ci95": list(self.ci95) if self.ci95 else None,
        }


def cell(answers: int, observed: int, followed: int) -> Cell:
    ci = wilson_interval(followed, observed)
    return Cell(
        answers=answers,
        observed=observed,
        followed=followed,
        rate=100.0 * followed / observed if observed else None,
        ci95=(100.0 * ci[0], 100.0 * ci[1]) if ci else None,
    )


def cells(codes: I64, k: int, observed: B, followed: B) -> list[Cell]:
    """One cell per code ``0..k-1``."""
    n = np.bincount(codes, minlength=k)
    o = np.bincount(codes[observed], minlength=k)
    f = np.bincount(codes[followed], minlength=k)
    return [cell(int(n[i]), int(o[i]), int(f[i])) for i in range(k)]


def by_group(q: Question, score: I64, observed: B, followed: B) -> dict[str, Cell]:
    """Cells of the question's effort groups (low, moderate, high)."""
    group = np.array([GROUP_NAMES.index(q.group_of(p)) for p in q.points], dtype=np.int64)
    codes = group[np.asarray(score, dtype=np.int64) - q.points[0]]
    return dict(zip(GROUP_NAMES, cells(codes, len(GROUP_NAMES), observed, followed), strict=True))


def by_score(q: Question, score: I64, observed: B, followed: B) -> dict[int, Cell]:
    codes = np.asarray(score, dtype=np.int64) - q.points[0]
    return dict(zip(q.points, cells(codes, q.k, observed, followed), strict=True))


@dataclass(frozen=True)
class RelativeRisk:
    high_vs_low: float | None
    ci95: tuple[float, float] | None


def relative_risk(high: Cell, low: Cell, level: float = 0.95) -> RelativeRisk:
    """Rate of the high-effort group over the low-effort one, with Katz's log interval.

    ``exp(ln RR ± z·√(1/a − 1/n₁ + 1/c − 1/n₀))``; no ratio without observed
    answers on both sides or when the low side has none followed, no
    interval when either side has none followed.

    >>> rr = relative_risk(cell(20, 20, 10), cell(40, 40, 5))
    >>> round(rr.high_vs_low, 3), [round(x, 3) for x in rr.ci95]
    (4.0, [1.579, 10.135])
    """
    a, n1, c, n0 = high.followed, high.observed, low.followed, low.observed
    if not n1 or not n0 or not c:
        return RelativeRisk(None, None)
    rr = (a / n1) / (c / n0)
    if not a:
        return RelativeRisk(rr, None)
    z = float(special.ndtri(0.5 + level / 2))
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n0)
    return RelativeRisk(rr, (rr * math.exp(-z * se), rr * math.exp(z * se)))


def few_followed(groups: dict[str, Cell], threshold: int = FEW_FOLLOWED) -> list[str]:
    """Effort groups with answers but fewer than ``threshold`` followed ones."""
    return [g for g, c in groups.items() if c.answers and c.followed < threshold]


def split_by(codes: I64, labels: Sequence[str | None]) -> list[tuple[int, str | None]]:
    """Codes of a ``--by`` column in report order: most answers first, empty value last."""
    n = np.bincount(codes, minlength=len(labels))
    order = sorted(
        range(len(labels)), key=lambda i: (-int(n[i]), labels[i] is None, labels[i] or "")
    )
    return [(i, labels[i]) for i in order if n[i]]


@dataclass
class Study:
    """The figures of one loyalty study, as the JSON document has them, and its notices."""

    doc: dict[str, Any]  # event, horizon_days, by_group, by_score, relative_risk, groups
    notices: list[Notice] = field(default_factory=list)
    end_us: int | None = None  # the end of observation; None when there was nothing to read
    events: int = 0  # outcomes of the kind studied


def study(
    q: Question,
    *,
    answer_customer: Sequence[str | None],
    answer_at: ArrayLike,
    score: ArrayLike,
    outcome_customer: Sequence[str],
    outcome_at: ArrayLike,
    outcome_type: Sequence[str],
    event: str,
    horizon_days: int,
    until_us: int | None = None,
    by: Mapping[str, Sequence[str | None]] | None = None,
) -> Study:
    """Every figure of ``fluide loyalty`` from the answers and outcomes read (file or database).

    Times are epoch microseconds; the end of observation is ``until_us``, or else
    the latest time of either input. ``by`` maps a column's name to its value
    per answer (empty or ``None``: no value).
    """
    a_at = np.asarray(answer_at, dtype=np.int64)
    o_at = np.asarray(outcome_at, dtype=np.int64)
    points = np.asarray(score, dtype=np.int64)
    notes: list[Notice] = []
    known = np.array([c is not None for c in answer_customer], dtype=bool)
    if (~known).any():
        notes.append(Notice("loyalty_without_customer", {"count": int((~known).sum())}))
    code_of: dict[str, int] = {}
    for c in outcome_customer:
        code_of.setdefault(c, len(code_of))
    a_code = np.array([code_of.get(c, -1) if c else -1 for c in answer_customer], dtype=np.int64)
    kind = np.array([x == event for x in outcome_type], dtype=bool)
    if len(outcome_type) and not kind.any():
        notes.append(
            Notice("event_absent", {"event": event, "found": ", ".join(sorted(set(outcome_type)))})
        )
    latest = [int(a_at.max())] if len(a_at) else []
    latest += [int(o_at.max())] if len(o_at) else []
    end = until_us if until_us is not None else (max(latest) if latest else 0)
    e_code = np.array([code_of[c] for c in outcome_customer], dtype=np.int64)[kind]
    observed, followed = follow(
        answer_customer=a_code,
        answer_at=a_at,
        event_customer=e_code,
        event_at=o_at[kind],
        horizon_us=horizon_days * DAY_US,
        end_us=end,
    )
    pts = points[known]
    obs, fol = observed[known], followed[known]
    groups = by_group(q, pts, obs, fol)
    for g in few_followed(groups):
        notes.append(Notice("few_followed", {"group": g, "followed": groups[g].followed}))
    rr = relative_risk(groups["high"], groups["low"])
    by_cols: dict[str, list[dict[str, Any]]] = {}
    for name, column in (by or {}).items():
        values = np.array(["" if v is None else str(v) for v in column], dtype=object)[known]
        codes_, labels = np.unique(values.astype(str), return_inverse=True)
        names: list[str | None] = [str(v) if v else None for v in codes_]
        codes = np.asarray(labels, dtype=np.int64).reshape(-1)
        by_cols[name] = [
            {
                "value": label,
                "by_group": {
                    g: c.to_json()
                    for g, c in by_group(
                        q, pts[codes == i], obs[codes == i], fol[codes == i]
                    ).items()
                },
            }
            for i, label in split_by(codes, names)
        ]
    doc = {
        "event": event,
        "horizon_days": horizon_days,
        "by_group": {g: c.to_json() for g, c in groups.items()},
        "by_score": {str(p): c.to_json() for p, c in by_score(q, pts, obs, fol).items()},
        "relative_risk": {
            "high_vs_low": rr.high_vs_low,
            "ci95": list(rr.ci95) if rr.ci95 else None,
        },
        "groups": by_cols,
    }
    return Study(
        doc,
        notes,
        end if (latest or until_us is not None) else None,
        int(kind.sum()),
    )
