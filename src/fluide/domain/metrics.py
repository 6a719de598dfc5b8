"""CES metrics on one set of answers to one question.

>>> from fluide.domain.scales import SCALES, Polarity, Question
>>> q = Question(SCALES["1-7"], Polarity.EFFORT)
>>> b = summarize([10, 20, 30, 20, 10, 5, 5], q)
>>> b.n, b.mean, b.effort_groups["low"], b.net_effort
(100, 3.35, 30.0, -10.0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from fluide.domain.scales import GROUP_NAMES, Question
from fluide.domain.stats import Counts, mean_sd, t_interval, wilson_interval

DEFAULT_SMALL_SAMPLE = 30


class MixedQuestionsError(ValueError):
    """Answers on different scales or polarities were about to be pooled."""

    def __init__(self, questions: Sequence[Question]) -> None:
        self.questions = list(questions)
        names = ", ".join(sorted({q.describe() for q in questions}))
        super().__init__(
            f"answers on different scales or polarities cannot be pooled ({names}); "
            "analyse them separately, or ask for the effort index, the only figure "
            "comparable across scales"
        )


@dataclass(frozen=True)
class ResponseRate:
    invited: int
    answered: int
    rate: float | None
    ci95: tuple[float, float] | None

    @classmethod
    def of(cls, answered: int, invited: int) -> ResponseRate:
        """Answers over invitations, with a Wilson interval.

        >>> ResponseRate.of(30, 120).rate
        0.25
        """
        if answered > invited:
            raise ValueError(f"{answered} answers for {invited} invitations")
        rate = answered / invited if invited else None
        return cls(invited, answered, rate, wilson_interval(answered, invited))


@dataclass(frozen=True)
class Block:
    """Every CES figure of one set of answers (the JSON BLOCK).

    Percentages are 0–100. ``mean`` and ``distribution`` are on the raw scale
    (``None`` when the block pools several questions on the effort index).
    """

    n: int
    mean: float | None
    ci95: tuple[float, float] | None
    distribution: dict[int, int] | None
    effort_groups: dict[str, float | None]
    net_effort: float | None
    net_easy: float | None
    effort_index: float | None
    effort_index_ci95: tuple[float, float] | None
    small_sample: bool
    response_rate: ResponseRate | None = None

    def with_response_rate(self, invited: int | None) -> Block:
        if invited is None:
            return self
        from dataclasses import replace

        return replace(self, response_rate=ResponseRate.of(self.n, invited))


def _group_figures(
    group_counts: dict[str, float], n: int
) -> tuple[dict[str, float | None], float | None, float | None]:
    if n == 0:
        return dict.fromkeys(GROUP_NAMES), None, None
    pct = {g: 100.0 * group_counts[g] / n for g in GROUP_NAMES}
    net = pct["high"] - pct["low"]
    # `0.0 - net` keeps the Net Easy Score a clean +0.0 when net effort is 0.
    return dict(pct), net, 0.0 - net


def _index_values(q: Question) -> np.ndarray:
    """Effort index of each raw point: 100·(e − 1)/(k − 1)."""
    return np.array([q.effort_index_of(p) for p in q.points])


def summarize(
    counts: Counts,
    question: Question,
    *,
    small_sample: int = DEFAULT_SMALL_SAMPLE,
    invited: int | None = None,
) -> Block:
    """All figures of one question's answers, given counts per scale point."""
    c = np.asarray(counts, dtype=np.int64)
    if c.shape != (question.k,):
        raise ValueError(
            f"expected {question.k} counts for scale {question.scale.key}, got {c.shape}"
        )
    points = question.points
    n, mean, sd = mean_sd(points, c)
    groups = dict.fromkeys(GROUP_NAMES, 0.0)
    for p, cnt in zip(points, c, strict=True):
        groups[question.group_of(p)] += int(cnt)
    pct, net_effort, net_easy = _group_figures(groups, n)
    _, ei, ei_sd = mean_sd(_index_values(question), c)
    block = Block(
        n=n,
        mean=mean,
        ci95=t_interval(n, mean, sd),
        distribution={p: int(x) for p, x in zip(points, c, strict=True)},
        effort_groups=pct,
        net_effort=net_effort,
        net_easy=net_easy,
        effort_index=ei,
        effort_index_ci95=t_interval(n, ei, ei_sd),
        small_sample=n < small_sample,
    )
    return block.with_response_rate(invited)


def summarize_effort_index(
    parts: Iterable[tuple[Question, Counts]],
    *,
    small_sample: int = DEFAULT_SMALL_SAMPLE,
    invited: int | None = None,
) -> Block:
    """Pool answers to several questions on the effort index (0–100).

    Raw means and distributions are not comparable across scales, so they are
    left out (``None``); effort groups pool because each answer falls in its
    own question's group.
    """
    values: list[float] = []
    weights: list[int] = []
    groups = dict.fromkeys(GROUP_NAMES, 0.0)
    for q, counts in parts:
        c = np.asarray(counts, dtype=np.int64)
        values.extend(_index_values(q).tolist())
        weights.extend(int(x) for x in c)
        for p, cnt in zip(q.points, c, strict=True):
            groups[q.group_of(p)] += int(cnt)
    n, ei, ei_sd = mean_sd(values, weights)
    pct, net_effort, net_easy = _group_figures(groups, n)
    block = Block(
        n=n,
        mean=None,
        ci95=None,
        distribution=None,
        effort_groups=pct,
        net_effort=net_effort,
        net_easy=net_easy,
        effort_index=ei,
        effort_index_ci95=t_interval(n, ei, ei_sd),
        small_sample=n < small_sample,
    )
    return block.with_response_rate(invited)


def require_single_question(questions: Sequence[Question]) -> Question:
    """The one question all answers share, or :class:`MixedQuestionsError`."""
    keys = {q.key for q in questions}
    if len(keys) != 1:
        raise MixedQuestionsError(questions)
    return questions[0]


def funnel_rates(eligible: int, invited: int, shown: int, answered: int) -> dict[str, float | None]:
    """The rates between the funnel's stages (``None`` where a stage is empty).

    ``answered`` is the response rate (answers over invitations);
    ``answered_when_shown`` is over cards actually seen.

    >>> funnel_rates(4, 2, 2, 1)["answered"]
    0.5
    """

    def rate(part: int, whole: int) -> float | None:
        return part / whole if whole else None

    return {
        "invited": rate(invited, eligible),
        "shown": rate(shown, invited),
        "answered": rate(answered, invited),
        "answered_when_shown": rate(answered, shown),
    }
