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
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import numpy as np

from fluide.domain.metrics import summarize_effort_index
from fluide.domain.scales import GROUP_NAMES, Bilingual, Question
from fluide.domain.stats import Counts, mean_sd
from fluide.i18n import N_

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
MAX_ANSWERS: Final = 1_000_000_000

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


# --- the file, read back -----------------------------------------------------------------------

CONTRIBUTOR_RE: Final = re.compile(r"^[A-Za-z0-9_\-]{8,64}$")

NOT_OBJECT = N_("expected a JSON object.")
MISSING = N_("missing.")
UNKNOWN_KEY = N_("unknown key; allowed: %(allowed)s.")
WRONG_FORMAT = N_("%(value)s is not a format this Fluide reads; expected %(allowed)s.")
NOT_A_CATEGORY = N_("%(value)s is not a category; allowed: %(allowed)s.")
BAD_NUMBER = N_("%(value)s is not allowed: expected a number from %(low)s to %(high)s.")
BAD_COUNT = N_("%(value)s is not allowed: expected a whole number from %(low)s to %(high)s.")
BAD_CONTRIBUTOR = N_("%(value)s is not a contributor id: 8 to 64 letters, digits, _ or -.")
BAD_DATE = N_("%(value)s is not a date such as 2026-03-02.")
BAD_TIME = N_("%(value)s is not a time with its offset, such as 2026-03-02T10:00:00+00:00.")
GROUPS_SUM = N_("low, moderate and high add up to %(total)s, not the %(answers)s answers.")
PERIOD_ORDER = N_("from %(start)s is after to %(end)s.")


class FileProblem(ValueError):
    """A bad value of a benchmark file: ``path`` is its JSON path, ``message`` a msgid."""

    def __init__(self, path: str, message: str, **params: Any) -> None:
        super().__init__(f"{path}: {message % params}")
        self.path = path
        self.message = message
        self.params = params


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


@dataclass(frozen=True)
class BenchmarkFile:
    contributor: str
    exported_at: datetime
    contributions: list[Contribution]


def _shown(value: object) -> str:
    text = repr(value) if not isinstance(value, str) else value
    return text if len(text) <= 60 else text[:57] + "…"


def _object(value: object, path: str, allowed: Sequence[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise FileProblem(path, NOT_OBJECT)
    for key in value:
        if key not in allowed:
            raise FileProblem(f"{path}.{key}", UNKNOWN_KEY, allowed=", ".join(allowed))
    for key in allowed:
        if key not in value:
            raise FileProblem(f"{path}.{key}", MISSING)
    return value


def _number(value: object, path: str, low: float, high: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok or not math.isfinite(float(value)) or not low <= float(value) <= high:  # type: ignore[arg-type]
        raise FileProblem(path, BAD_NUMBER, value=_shown(value), low=low, high=high)
    return float(value)  # type: ignore[arg-type]


def _count(value: object, path: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= MAX_ANSWERS:
        raise FileProblem(path, BAD_COUNT, value=_shown(value), low=low, high=MAX_ANSWERS)
    return value


def _date(value: object, path: str) -> date:
    try:
        if not isinstance(value, str) or len(value) != 10:
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise FileProblem(path, BAD_DATE, value=_shown(value)) from None


def _period(value: object, path: str) -> tuple[date, date]:
    obj = _object(value, path, ("from", "to"))
    start, end = _date(obj["from"], f"{path}.from"), _date(obj["to"], f"{path}.to")
    if start > end:
        raise FileProblem(path, PERIOD_ORDER, start=start.isoformat(), end=end.isoformat())
    return start, end


def _contribution(contributor: str, category: str, value: object, path: str) -> Contribution:
    obj = _object(value, path, ("answers", "mean", "sd", "groups", "period"))
    answers = _count(obj["answers"], f"{path}.answers", MIN_ANSWERS)
    mean = _number(obj["mean"], f"{path}.mean", 0, 100)
    sd = _number(obj["sd"], f"{path}.sd", 0, 100)
    raw = _object(obj["groups"], f"{path}.groups", GROUP_NAMES)
    groups = {g: _count(raw[g], f"{path}.groups.{g}", 0) for g in GROUP_NAMES}
    if sum(groups.values()) != answers:
        raise FileProblem(f"{path}.groups", GROUPS_SUM, total=sum(groups.values()), answers=answers)
    start, end = _period(obj["period"], f"{path}.period")
    return Contribution(contributor, category, answers, mean, sd, groups, start, end)


def read_file(doc: object) -> BenchmarkFile:
    """A benchmark file's contributions, or :class:`FileProblem` naming the first bad value.

    Strict: an unknown key is refused too, so that nothing but aggregates is ever stored.
    """
    obj = _object(doc, "$", ("format", "contributor", "exported_at", "period", "categories"))
    if obj["format"] != FORMAT:
        raise FileProblem("$.format", WRONG_FORMAT, value=_shown(obj["format"]), allowed=FORMAT)
    contributor = obj["contributor"]
    if not isinstance(contributor, str) or not CONTRIBUTOR_RE.match(contributor):
        raise FileProblem("$.contributor", BAD_CONTRIBUTOR, value=_shown(contributor))
    try:
        if not isinstance(obj["exported_at"], str):
            raise ValueError
        exported_at = datetime.fromisoformat(obj["exported_at"])
        if exported_at.tzinfo is None:
            raise ValueError
    except ValueError:
        raise FileProblem("$.exported_at", BAD_TIME, value=_shown(obj["exported_at"])) from None
    _period(obj["period"], "$.period")
    categories = obj["categories"]
    if not isinstance(categories, dict):
        raise FileProblem("$.categories", NOT_OBJECT)
    out = []
    for category, value in categories.items():
        path = f"$.categories.{category}"
        if category not in CATEGORIES:
            raise FileProblem(
                path, NOT_A_CATEGORY, value=_shown(category), allowed=", ".join(CATEGORIES)
            )
        out.append(_contribution(contributor, category, value, path))
    return BenchmarkFile(contributor, exported_at, out)


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
