"""The frictions backlog: every friction (touchpoint × tag) of a period, ranked by
**impact × volume × feasibility**, impact being what the evidence supports.

For one touchpoint over the period, the *baseline* is the mean effort index
(0–100, 0 = no effort) of **every** answer, with or without a comment. For a
tag seen at that touchpoint, ``n`` answers carry it and their mean effort
index is ``m``; its **effort gap** is ``m − baseline`` (points of effort
index), the notion of :mod:`fluide.domain.frictions`. Only a positive gap is a
friction; the other pairs are counted, not ranked.

The gap measured on one or two comments is mostly chance, so it is **shrunk
towards 0** by :func:`fluide.domain.friction_shrinkage.shrink_gaps` (the
agents page's empirical Bayes, estimated over every touchpoint × tag of the
period): ``shrunk_gap = w × gap``, ``w`` near 1 for a friction many answers
show, near 0 for an anecdote. The three factors, each on 0–1:

- **impact** = shrunk gap / 100, the *expected* impact (the effort index runs
  from 0 to 100, so a gap of +18 points is 0.18; the same gap weighs the same
  on every touchpoint and every week, so scores can be compared from one
  Monday to the next);
- **volume** = n / answers of the touchpoint (its share);
- **feasibility** = f / 5, for the team's 1 (hard to fix) – 5 (easy), 3 by default.

``score = impact × volume × feasibility``. Why a product: ``100 × impact ×
volume = share × shrunk gap`` is how many points the touchpoint's mean effort
index would be expected to drop if the answers carrying the tag had cost no
more than the baseline (``expected_gain``); feasibility then discounts what is
hard to do.

**The top needs evidence:** a friction carried by fewer than
:data:`~fluide.domain.frictions.MIN_TOP_COMMENTS` (3) comments is listed, but
after every friction that has them (``eligible_for_top``), so it never takes
one of the first three rows while three others can. **One row per set of
comments:** when two tags of a touchpoint are carried by exactly the same
answers (one comment tagged ``delay`` and ``recontact``), they are the same
evidence; the row keeps the tag with the higher score (higher feasibility,
then key) and lists the others in ``also_tags``. An answer with two tags still
counts once in each of their volumes when the two sets differ.

The raw gap keeps its 95 % interval. Since the baseline includes the tagged
answers, ``gap = (1 − share) × (m − m_other)`` exactly, where ``m_other`` is the
mean of the touchpoint's other answers; the interval is ``(1 − share)`` times
Welch's t interval for ``m − m_other`` (``None`` when either side has fewer
than two answers). The shrunk gap has its own interval (``shrunk_gap_ci``).

Worked example. At « payer », four answers with effort indices 100 and 50
(both tagged ``payment``), 0 and 10: baseline = 160 / 4 = 40, ``payment`` has
n = 2, m = 75, gap = +35. It is the period's only friction, too few to tell
the spread between frictions from chance, so it is not shrunk (see
:mod:`fluide.domain.friction_shrinkage` for an example that is): impact = 0.35,
volume = 2 / 4 = 0.5; with the default feasibility 3/5 = 0.6, score = 0.35 ×
0.5 × 0.6 = 0.105, and fixing it would lower the touchpoint's effort index by
0.5 × 35 = 17.5 points. Two comments: not eligible for the top.

>>> rows = [TaggedAnswer("payer", "", e, t, c, "", 1) for e, t, c in [
...     (100.0, ("payment",), "Carte refusée"), (50.0, ("payment",), "Paiement lent"),
...     (0.0, (), None), (10.0, (), None)]]
>>> item = rank_backlog(rows).items[0]
>>> item.effort_gap, item.impact, item.volume, item.feasibility_factor, round(item.score, 6)
(35.0, 0.35, 0.5, 0.6, 0.105)
>>> item.expected_gain, item.eligible_for_top
(17.5, False)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from scipy import special

from fluide.domain.friction_shrinkage import GapSample, GapStatus, shrink_gaps
from fluide.domain.frictions import (
    DEFAULT_SMALL_VOLUME,
    MIN_TOP_COMMENTS,
    FrictionVerbatim,
    TaggedAnswer,
    canonical_order,
    representative_verbatims,
)

MIN_FEASIBILITY: Final = 1
MAX_FEASIBILITY: Final = 5
DEFAULT_FEASIBILITY: Final = 3
DEFAULT_BACKLOG_VERBATIMS: Final = 2


def check_feasibility(value: int) -> int:
    """``value`` itself if it is a feasibility (1–5), else a :class:`ValueError`.

    >>> check_feasibility(5)
    5
    """
    if isinstance(value, bool) or not MIN_FEASIBILITY <= value <= MAX_FEASIBILITY:
        raise ValueError(f"feasibility must be a whole number from 1 to 5, got {value!r}")
    return value


@dataclass
class _Moments:
    """Weighted count, sum and sum of squares: mean and variance without the values."""

    n: int = 0
    total: float = 0.0
    squares: float = 0.0

    def add(self, x: float, count: int) -> None:
        self.n += count
        self.total += count * x
        self.squares += count * x * x

    def minus(self, other: _Moments) -> _Moments:
        return _Moments(self.n - other.n, self.total - other.total, self.squares - other.squares)

    @property
    def mean(self) -> float:
        return self.total / self.n

    @property
    def variance(self) -> float:
        """Sample variance (n − 1); needs two values."""
        return max(self.squares - self.total * self.total / self.n, 0.0) / (self.n - 1)


def welch_interval(
    a: tuple[int, float, float], b: tuple[int, float, float], level: float = 0.95
) -> tuple[float, float] | None:
    """Welch's t interval for ``mean(a) − mean(b)``, each side as ``(n, mean, variance)``.

    ``None`` when a side has fewer than two values. Matches SciPy's
    ``ttest_ind(a, b, equal_var=False).confidence_interval()``.

    >>> lo, hi = welch_interval((3, 2.0, 1.0), (3, 5.0, 1.0))
    >>> round(lo, 4), round(hi, 4)
    (-5.267, -0.733)
    """
    (na, ma, va), (nb, mb, vb) = a, b
    if na < 2 or nb < 2:
        return None
    diff = ma - mb
    qa, qb = va / na, vb / nb
    se2 = qa + qb
    if se2 <= 0:
        return (diff, diff)  # no spread on either side: nothing to be unsure about
    df = se2 * se2 / (qa * qa / (na - 1) + qb * qb / (nb - 1))
    half = float(special.stdtrit(df, 0.5 + level / 2)) * math.sqrt(se2)
    return (diff - half, diff + half)


@dataclass(frozen=True)
class BacklogItem:
    """One friction of the backlog (figures unrounded; renderers round)."""

    touchpoint: str
    tag: str
    rank: int
    n: int
    """Answers of the period at this touchpoint carrying the tag (each has a comment)."""
    answers: int
    """Every answer of the period at this touchpoint (the volume's denominator)."""
    mean_effort_index: float
    baseline: float
    """The touchpoint's mean effort index over the period."""
    effort_gap: float
    gap_ci: tuple[float, float] | None
    feasibility: int
    small_sample: bool
    verbatims: tuple[FrictionVerbatim, ...]
    shrunk_gap: float
    """The gap the evidence supports (pulled towards 0; see the module)."""
    shrunk_gap_ci: tuple[float, float] | None
    shrinkage_weight: float
    also_tags: tuple[str, ...]
    """Other tags of this touchpoint carried by exactly the same answers."""

    @property
    def share(self) -> float:
        return self.n / self.answers

    @property
    def eligible_for_top(self) -> bool:
        """Enough comments to be one of the first three rows."""
        return self.n >= MIN_TOP_COMMENTS

    @property
    def uncertain(self) -> bool:
        """The expected gap could still be zero: no interval, or one reaching 0."""
        return self.shrunk_gap_ci is None or self.shrunk_gap_ci[0] <= 0

    @property
    def impact(self) -> float:
        return self.shrunk_gap / 100

    @property
    def volume(self) -> float:
        return self.share

    @property
    def feasibility_factor(self) -> float:
        return self.feasibility / MAX_FEASIBILITY

    @property
    def score(self) -> float:
        return self.impact * self.volume * self.feasibility_factor

    @property
    def expected_gain(self) -> float:
        """Points the touchpoint's mean effort index would be expected to drop with it gone."""
        return self.share * self.shrunk_gap

    def to_json(self) -> dict[str, Any]:
        return {
            "touchpoint": self.touchpoint,
            "tag": self.tag,
            "rank": self.rank,
            "n": self.n,
            "answers": self.answers,
            "share": self.share,
            "mean_effort_index": self.mean_effort_index,
            "baseline": self.baseline,
            "effort_gap": self.effort_gap,
            "gap_ci": None if self.gap_ci is None else list(self.gap_ci),
            "small_sample": self.small_sample,
            "impact": self.impact,
            "volume": self.volume,
            "feasibility": self.feasibility,
            "feasibility_factor": self.feasibility_factor,
            "score": self.score,
            "expected_gain": self.expected_gain,
            "verbatims": [v.to_json() for v in self.verbatims],
            "shrunk_gap": self.shrunk_gap,
            "shrunk_gap_ci": None if self.shrunk_gap_ci is None else list(self.shrunk_gap_ci),
            "shrinkage_weight": self.shrinkage_weight,
            "uncertain": self.uncertain,
            "n_comments": self.n,
            "eligible_for_top": self.eligible_for_top,
            "also_tags": list(self.also_tags),
        }


@dataclass(frozen=True)
class Backlog:
    """The ranked frictions, and what was left out."""

    items: list[BacklogItem]
    not_frictions: int
    """Touchpoint × tag pairs seen whose answers cost no more than their touchpoint's mean."""
    shrinkage: GapStatus = "too_few_frictions"
    tau2: float | None = None
    """Between-friction variance of the gaps (points²), ``None`` when not estimated."""

    def shrinkage_json(self) -> dict[str, Any]:
        return {
            "status": self.shrinkage,
            "tau2": self.tau2,
            "min_top_comments": MIN_TOP_COMMENTS,
        }


@dataclass
class _Group:
    """Tags of one touchpoint carried by exactly the same answers: one piece of evidence."""

    touchpoint: str
    tags: list[str]
    moments: _Moments


def rank_backlog(
    answers: Sequence[TaggedAnswer],
    feasibility: Mapping[tuple[str, str], int] | None = None,
    *,
    small_sample: int = DEFAULT_SMALL_VOLUME,
    verbatims: int = DEFAULT_BACKLOG_VERBATIMS,
) -> Backlog:
    """Every friction of ``answers`` (one period): those with enough comments first, then
    best score first.

    ``feasibility`` maps ``(touchpoint, tag)`` to the team's 1–5 (absent: 3).
    Ties rank by volume, then touchpoint and tag. A friction carried by fewer
    than ``small_sample`` answers is flagged. Answers without a touchpoint
    have no baseline and are left out.
    """
    answers = canonical_order(answers)
    chosen = feasibility or {}
    per_tp: dict[str, _Moments] = {}
    members: dict[tuple[str, str], list[int]] = {}
    rows_of: dict[str, list[TaggedAnswer]] = {}
    for i, a in enumerate(answers):
        if a.touchpoint is None:
            continue
        per_tp.setdefault(a.touchpoint, _Moments()).add(a.effort_index, a.count)
        if a.tags:
            rows_of.setdefault(a.touchpoint, []).append(a)
        for tag in dict.fromkeys(a.tags):  # a tag counts once per answer
            members.setdefault((a.touchpoint, tag), []).append(i)
    groups: dict[tuple[str, tuple[int, ...]], _Group] = {}
    for (tp, tag), idx in members.items():
        check_feasibility(chosen.get((tp, tag), DEFAULT_FEASIBILITY))  # merged tags too
        group = groups.get((tp, tuple(idx)))
        if group is None:
            moments = _Moments()
            for i in idx:
                moments.add(answers[i].effort_index, answers[i].count)
            groups[(tp, tuple(idx))] = _Group(tp, [tag], moments)
        else:
            group.tags.append(tag)
    found = list(groups.values())
    shrunk = shrink_gaps(
        [
            GapSample(
                str(j),
                g.moments.n,
                g.moments.mean - per_tp[g.touchpoint].mean,
                g.moments.mean,
                g.moments.variance if g.moments.n >= 2 else None,
            )
            for j, g in enumerate(found)
        ]
    )
    items: list[BacklogItem] = []
    not_frictions = 0
    for j, g in enumerate(found):
        tp, tagged, whole = g.touchpoint, g.moments, per_tp[g.touchpoint]
        gap = tagged.mean - whole.mean
        if gap <= 0:
            not_frictions += len(g.tags)
            continue
        # Same answers, same gap and volume: the tag the team finds easier to fix leads.
        tags = sorted(g.tags, key=lambda t: (-chosen.get((tp, t), DEFAULT_FEASIBILITY), t))
        estimate = shrunk.estimates[str(j)]
        items.append(
            BacklogItem(
                touchpoint=tp,
                tag=tags[0],
                rank=0,
                n=tagged.n,
                answers=whole.n,
                mean_effort_index=tagged.mean,
                baseline=whole.mean,
                effort_gap=gap,
                gap_ci=_gap_interval(tagged, whole),
                feasibility=chosen.get((tp, tags[0]), DEFAULT_FEASIBILITY),
                small_sample=tagged.n < small_sample,
                verbatims=representative_verbatims(rows_of[tp], tags[0], verbatims),
                shrunk_gap=estimate.gap,
                shrunk_gap_ci=estimate.ci,
                shrinkage_weight=estimate.weight,
                also_tags=tuple(tags[1:]),
            )
        )
    items.sort(key=lambda i: (not i.eligible_for_top, -i.score, -i.n, i.touchpoint, i.tag))
    return Backlog(
        [replace(item, rank=r) for r, item in enumerate(items, 1)],
        not_frictions,
        shrunk.status,
        shrunk.tau2,
    )


def _gap_interval(tagged: _Moments, whole: _Moments) -> tuple[float, float] | None:
    """``(1 − share)`` × Welch's interval for tagged-minus-other means (see the module)."""
    other = whole.minus(tagged)
    if tagged.n < 2 or other.n < 2:
        return None
    ci = welch_interval(
        (tagged.n, tagged.mean, tagged.variance), (other.n, other.mean, other.variance)
    )
    if ci is None:
        return None
    keep = 1 - tagged.n / whole.n
    return (keep * ci[0], keep * ci[1])
