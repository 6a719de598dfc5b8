"""Before/after comparison around a change date (did the fix work?).

>>> from fluide.domain.scales import SCALES, Polarity, Question
>>> q = Question(SCALES["1-5"], Polarity.EFFORT)
>>> c = compare(Side(q, [0, 10, 20, 40, 30]), Side(q, [20, 40, 20, 10, 10]))
>>> round(c.diff_mean, 2), c.metric
(-1.4, 'mean')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from fluide.domain.metrics import DEFAULT_SMALL_SAMPLE, Block, summarize, summarize_effort_index
from fluide.domain.notices import Notice
from fluide.domain.scales import Question
from fluide.domain.stats import (
    BootstrapResult,
    Counts,
    bootstrap_mean_diff,
    cliffs_delta,
    mann_whitney_p,
)

DEFAULT_RESAMPLES = 5000


@dataclass(frozen=True)
class Side:
    """The answers on one side of the date: one question, or several versions."""

    question: Question
    counts: Counts
    versions: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class Comparison:
    before: Block
    after: Block
    metric: str  # "mean" (raw scale) or "effort_index" (scales differ)
    diff_mean: float | None
    diff_ci95: tuple[float, float] | None
    p_value: float | None
    cliffs_delta: float | None
    resamples: int
    seed: int
    warnings: list[Notice]


def _grid(before: Side, after: Side, same: bool) -> tuple[list[float], np.ndarray, np.ndarray]:
    """Both sides' counts on one ordered grid of values.

    Same question: the raw points. Otherwise the effort index of each point,
    so that answers on different scales land on one comparable axis. The
    index grows with effort, while an ``ease`` raw scale grows with ease;
    the grid keeps each metric's own direction.
    """
    if same:
        q = before.question
        return [float(p) for p in q.points], np.asarray(before.counts), np.asarray(after.counts)

    def index(q: Question, p: int) -> float:
        return round(q.effort_index_of(p), 9)

    values = sorted({index(s.question, p) for s in (before, after) for p in s.question.points})
    pos = {v: i for i, v in enumerate(values)}
    out = []
    for s in (before, after):
        c = np.zeros(len(values), dtype=np.int64)
        for p, x in zip(s.question.points, np.asarray(s.counts), strict=True):
            c[pos[index(s.question, p)]] += int(x)
        out.append(c)
    return values, out[0], out[1]


def compare(
    before: Side,
    after: Side,
    *,
    resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    small_sample: int = DEFAULT_SMALL_SAMPLE,
) -> Comparison:
    """Both blocks, the difference after − before with a bootstrap interval,
    the Mann–Whitney p-value and Cliff's delta (P(after > before) − P(after < before)).

    When the scale or polarity differs across the date, raw scores mean
    different things: the comparison moves to the effort index and says so.
    """
    warnings: list[Notice] = []
    qb, qa = before.question, after.question
    if qb.scale.key != qa.scale.key:
        warnings.append(Notice("scale_changed", {"before": qb.scale.key, "after": qa.scale.key}))
    if qb.polarity is not qa.polarity:
        warnings.append(
            Notice("polarity_changed", {"before": qb.polarity.value, "after": qa.polarity.value})
        )
    if before.versions and after.versions and before.versions != after.versions:
        warnings.append(
            Notice(
                "question_version_changed",
                {"before": sorted(before.versions), "after": sorted(after.versions)},
            )
        )
    same = qb.key == qa.key
    if same:
        b_block = summarize(before.counts, qb, small_sample=small_sample)
        a_block = summarize(after.counts, qa, small_sample=small_sample)
    else:
        b_block = summarize_effort_index([(qb, before.counts)], small_sample=small_sample)
        a_block = summarize_effort_index([(qa, after.counts)], small_sample=small_sample)
    for name, block in (("before", b_block), ("after", a_block)):
        if block.n == 0:
            warnings.append(Notice("empty_side", {"side": name}))
        elif block.small_sample:
            warnings.append(Notice("small_sample_side", {"side": name, "n": block.n}))
    values, cb, ca = _grid(before, after, same)
    boot: BootstrapResult | None = bootstrap_mean_diff(
        values, cb, ca, resamples=resamples, seed=seed
    )
    return Comparison(
        before=b_block,
        after=a_block,
        metric="mean" if same else "effort_index",
        diff_mean=boot.diff if boot else None,
        diff_ci95=boot.ci95 if boot else None,
        p_value=mann_whitney_p(cb, ca),
        cliffs_delta=cliffs_delta(cb, ca),
        resamples=resamples,
        seed=seed,
        warnings=warnings,
    )


def versions_of(labels: Sequence[str | None]) -> frozenset[str]:
    return frozenset(v for v in labels if v)
