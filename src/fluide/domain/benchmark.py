"""The CES benchmark: aggregate a company's answers, pool companies, release figures.

Everything is on the 0–100 effort index (the only figure comparable across
scales). A company's *aggregate* per task category is what leaves it (its
answers, effort-index mean and SD, effort-group counts, period); the *pool*
is the aggregates of other companies; the *release* is what a viewer may see
of the pool, anonymous by construction:

- k-anonymity: nothing but the count below :data:`MIN_CONTRIBUTORS` others;
- differencing: each figure is rounded, and shown only if removing any one
  contributor gives the same rounded figure (else a coarser rounding is tried,
  then the figure is withheld as ``unstable``). So every figure shown for a
  pool S is also the same rounding of the figure on S minus any one company.

Quantiles are :func:`numpy.percentile`'s default (linear interpolation,
Hyndman–Fan type 7); the percentile is
``scipy.stats.percentileofscore(means, own, kind="weak")``: the share of
contributors whose effort index is at or below the viewer's.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import numpy as np

from fluide.domain.metrics import summarize_effort_index
from fluide.domain.scales import GROUP_NAMES, Bilingual, Question
from fluide.domain.stats import Counts, mean_sd

FORMAT: Final = "fluide-benchmark/1"
MIN_ANSWERS: Final = 30
"""A category leaves a company only with at least this many answers."""
MIN_CONTRIBUTORS: Final = 5
"""Figures of a pool are shown only with at least this many companies besides the viewer."""
QUANTILE_STEPS: Final = (5, 10, 20)
"""Roundings of the effort-index quantiles, finest first."""
PERCENTILE_STEPS: Final = (10, 20, 50)
"""Widths of the percentile band, finest first."""
FIGURES: Final = ("median", "p25", "p75", "percentile")

CATEGORIES: Final[dict[str, Bilingual]] = {
    "payment": {"fr": "Paiement", "en": "Payment"},
    "login": {"fr": "Connexion", "en": "Login"},
    "onboarding": {"fr": "Inscription et prise en main", "en": "Sign-up and onboarding"},
    "support_contact": {"fr": "Contact avec le support", "en": "Support contact"},
    "find_information": {"fr": "Trouver une information", "en": "Finding information"},
    "cancellation": {"fr": "Résiliation", "en": "Cancellation"},
    "delivery": {"fr": "Livraison", "en": "Delivery"},
    "other": {"fr": "Autre", "en": "Other"},
}
"""The task categories a touchpoint may belong to, with their names."""

NOT_ENOUGH: Final = "not_enough_contributors"
UNSTABLE: Final = "unstable"
NO_OWN_ANSWERS: Final = "no_own_answers"


def category_name(category: str, lang: str) -> str:
    return CATEGORIES.get(category, {}).get(lang, category)


# --- aggregate -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Aggregate:
    """One company's answers to one category, as the export writes them."""

    category: str
    answers: int
    mean: float
    sd: float
    groups: dict[str, int]
    start: date
    end: date

    def to_json(self) -> dict[str, Any]:
        return {
            "answers": self.answers,
            "mean": round(self.mean, 4),
            "sd": round(self.sd, 4),
            "groups": dict(self.groups),
            "period": {"from": self.start.isoformat(), "to": self.end.isoformat()},
        }


@dataclass(frozen=True)
class Own:
    """The viewer's own figure for a category: exact, with its interval."""

    answers: int
    effort_index: float | None
    ci95: tuple[float, float] | None


def own_figure(parts: Sequence[tuple[Question, Counts]]) -> Own:
    """The effort index of answers to one or several questions, pooled on the index."""
    if not parts:
        return Own(0, None, None)
    block = summarize_effort_index(parts)
    return Own(block.n, block.effort_index, block.effort_index_ci95)


def aggregate(
    category: str,
    parts: Sequence[tuple[Question, Counts]],
    start: date,
    end: date,
    *,
    min_answers: int = MIN_ANSWERS,
) -> Aggregate | None:
    """A category's aggregate from counts per scale point of each question (its touchpoints'
    current questions), pooled on the effort index; ``None`` below ``min_answers``."""
    values: list[float] = []
    weights: list[int] = []
    groups = dict.fromkeys(GROUP_NAMES, 0)
    for q, counts in parts:
        c = np.asarray(counts, dtype=np.int64)
        values.extend(q.effort_index_of(p) for p in q.points)
        weights.extend(int(x) for x in c)
        for p, cnt in zip(q.points, c, strict=True):
            groups[q.group_of(p)] += int(cnt)
    n, mean, sd = mean_sd(values, weights)
    if n < max(min_answers, 2) or mean is None or sd is None:
        return None
    return Aggregate(category, n, mean, sd, groups, start, end)


def aggregates(
    parts: Mapping[str, Sequence[tuple[Question, Counts]]],
    start: date,
    end: date,
    *,
    min_answers: int = MIN_ANSWERS,
) -> list[Aggregate]:
    """Every category that has enough answers, in the order of :data:`CATEGORIES`."""
    out = []
    for category in CATEGORIES:
        agg = aggregate(category, parts.get(category, ()), start, end, min_answers=min_answers)
        if agg is not None:
            out.append(agg)
    return out


def export_document(
    contributor: str, exported_at: datetime, start: date, end: date, found: Iterable[Aggregate]
) -> dict[str, Any]:
    """The file ``fluide benchmark export`` writes: aggregates only, never a name."""
    return {
        "format": FORMAT,
        "contributor": contributor,
        "exported_at": exported_at.isoformat(),
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "categories": {a.category: a.to_json() for a in found},
    }


@dataclass(frozen=True)
class Contribution:
    """One contributor's aggregate of one category, as pooled."""

    contributor: str
    category: str
    answers: int
    mean: float
    sd: float = 0.0
    groups: dict[str, int] = field(default_factory=dict)
    start: date | None = None
    end: date | None = None


# --- pool and release --------------------------------------------------------------------------


def pool(
    imported: Iterable[Contribution], live: Iterable[Contribution], viewer: str | None
) -> dict[str, list[Contribution]]:
    """The contributions of each category: one per contributor (a live one wins over an
    imported file of the same contributor), the viewer's own left out."""
    by_key: dict[tuple[str, str], Contribution] = {}
    for c in imported:
        by_key[(c.category, c.contributor)] = c
    for c in live:
        by_key[(c.category, c.contributor)] = c
    out: dict[str, list[Contribution]] = {}
    for (category, contributor), c in sorted(by_key.items()):
        if viewer is not None and contributor == viewer:
            continue
        out.setdefault(category, []).append(c)
    return out


def quantile(means: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), :func:`numpy.percentile`'s linear definition."""
    return float(np.percentile(np.asarray(means, dtype=np.float64), q))


def percentile_of(means: Sequence[float], own: float) -> float:
    """Share (0–100) of ``means`` at or below ``own`` (``percentileofscore``, ``kind="weak"``)."""
    return 100.0 * sum(1 for m in means if m <= own) / len(means)


def rounded(x: float, step: int) -> float:
    """``x`` to the nearest multiple of ``step`` (halves up), as shown."""
    return float(math.floor(x / step + 0.5) * step)


def band(x: float, width: int) -> float:
    """The lower edge of ``x``'s band of ``width`` within 0–100 (100 falls in the last band)."""
    return float(min(math.floor(x / width), 100 // width - 1) * width)


Stat = Callable[[Sequence[float]], float]
Round = Callable[[float, int], float]


def stable(
    means: Sequence[float], stat: Stat, steps: Sequence[int], how: Round
) -> tuple[float, int] | None:
    """The figure rounded at the finest step that no single contributor can move, and the step;
    ``None`` when even the coarsest one moves when some contributor is left out."""
    whole = stat(means)
    for step in steps:
        shown = how(whole, step)
        if all(how(stat([*means[:i], *means[i + 1 :]]), step) == shown for i in range(len(means))):
            return shown, step
    return None


@dataclass(frozen=True)
class Release:
    """What a viewer sees of a category's pool; ``None`` figures say why in ``reasons``."""

    contributors: int
    median: float | None = None
    p25: float | None = None
    p75: float | None = None
    percentile: tuple[float, float] | None = None
    reason: str | None = None
    reasons: dict[str, str] = field(default_factory=dict)
    rounding: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "contributors": self.contributors,
            "median": self.median,
            "p25": self.p25,
            "p75": self.p75,
            "percentile": None if self.percentile is None else list(self.percentile),
            "reason": self.reason,
            "reasons": dict(self.reasons),
            "rounding": dict(self.rounding),
        }


def release(means: Sequence[float], own: float | None, *, k: int = MIN_CONTRIBUTORS) -> Release:
    """The pool's figures a viewer may see: the quantiles of contributors' effort-index
    means and the viewer's percentile band among them, each rounded and stable under
    removing any one contributor; nothing but the count below ``k`` contributors."""
    values = [float(m) for m in means]
    if len(values) < k:
        return Release(len(values), reason=NOT_ENOUGH, reasons=dict.fromkeys(FIGURES, NOT_ENOUGH))
    shown: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    rounding: dict[str, int] = {}
    for name, q in (("median", 50.0), ("p25", 25.0), ("p75", 75.0)):
        found = stable(values, functools.partial(quantile, q=q), QUANTILE_STEPS, rounded)
        shown[name] = None if found is None else found[0]
        if found is None:
            reasons[name] = UNSTABLE
        else:
            rounding[name] = found[1]
    percentile: tuple[float, float] | None = None
    if own is None:
        reasons["percentile"] = NO_OWN_ANSWERS
    else:
        found = stable(values, functools.partial(percentile_of, own=own), PERCENTILE_STEPS, band)
        if found is None:
            reasons["percentile"] = UNSTABLE
        else:
            percentile = (found[0], found[0] + found[1])
            rounding["percentile"] = found[1]
    return Release(
        len(values),
        shown["median"],
        shown["p25"],
        shown["p75"],
        percentile,
        None,
        reasons,
        rounding,
    )
