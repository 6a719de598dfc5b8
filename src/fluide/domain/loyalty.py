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
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special

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
