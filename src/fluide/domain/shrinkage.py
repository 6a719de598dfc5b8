"""Empirical-Bayes shrinkage of group means towards the team (normal–normal model).

Ranking agents on their raw means rewards luck: three perfect answers beat
sixty very good ones. The model below says how much of each agent's
difference from the team is evidence and how much is noise:

- agent *i*'s observed mean is ``x̄ᵢ ~ N(θᵢ, vᵢ)`` with ``vᵢ = σᵢ²/nᵢ``;
- the agents' true levels vary around the team's: ``θᵢ ~ N(μ, τ²)``.

``σᵢ²`` is the agent's own sample variance when it rests on at least
``min_own_n`` answers and is not zero, else the pooled within-agent variance
(a handful of answers, or identical ones, would claim a precision they do not
have); when no agent has two answers, the variance of all answers is used.
``τ²`` is the DerSimonian–Laird method-of-moments estimate, truncated at 0;
``μ`` is the random-effects mean (agents weighted by ``1/(vᵢ + τ²)``), the level
of a typical agent. The shrunk estimate is ``θ̂ᵢ = wᵢ x̄ᵢ + (1 − wᵢ) μ`` with
``wᵢ = τ² / (τ² + vᵢ)``, and its interval is ``θ̂ᵢ ± z·√(wᵢ vᵢ + (1 − wᵢ)² Var μ)``:
the posterior of the hierarchical normal model *given* ``τ²`` (plugged in,
not integrated: a little too narrow when there are few agents), with the
sampling variances treated as known (normal approximation).

With ``τ² = 0`` the agents' differences are no larger than chance: every
agent shrinks to the team mean and they all share rank 1.

Three answers without effort (index 0) against sixty very good ones (8):

>>> team = [Sample("lucky", 3, 0.0, 0.0), Sample("steady", 60, 8.0, 300.0),
...         Sample("c", 40, 25.0, 800.0), Sample("d", 40, 35.0, 900.0)]
>>> [(e.key, round(e.estimate, 1), e.rank) for e in shrink(team).estimates]
[('lucky', 9.4, 2), ('steady', 8.3, 1), ('c', 24.5, 3), ('d', 33.4, 4)]
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

from fluide.domain.stats import Counts, mean_sd

MIN_OWN_N: Final = 10
"""Below this many answers an agent's own variance is replaced by the pooled one."""

VarianceSource = Literal["own", "pooled", "total"]
Status = Literal["shrunk", "no_between_variance", "single_agent", "no_spread", "no_answers"]


@dataclass(frozen=True)
class Sample:
    """One agent's answers: count, mean and sample variance (``n − 1``; ``None`` below 2)."""

    key: str
    n: int
    mean: float | None
    variance: float | None = None

    @classmethod
    def of_counts(
        cls, key: str, values: Sequence[float] | NDArray[np.float64], counts: Counts
    ) -> Sample:
        """From counts per value (e.g. per effort-index point).

        >>> Sample.of_counts("a", [0.0, 50.0, 100.0], [1, 0, 1])
        Sample(key='a', n=2, mean=50.0, variance=5000.0)
        """
        n, mean, sd = mean_sd(values, counts)
        return cls(key, n, mean, None if sd is None else sd * sd)


@dataclass(frozen=True)
class Estimate:
    """One agent after shrinkage; every figure is ``None`` for an agent without answers."""

    key: str
    n: int
    mean: float | None
    variance: float | None  # σᵢ² used
    variance_source: VarianceSource | None
    sampling_variance: float | None  # vᵢ = σᵢ²/nᵢ
    weight: float | None  # wᵢ: the share of the agent's own mean in the estimate
    estimate: float | None
    ci: tuple[float, float] | None
    rank: int | None


@dataclass(frozen=True)
class Shrinkage:
    estimates: tuple[Estimate, ...]
    status: Status
    target: float | None  # μ̂, the level of a typical agent
    target_ci: tuple[float, float] | None
    tau2: float | None  # between-agent variance; None with fewer than two agents
    within_variance: float | None  # pooled within-agent variance
    level: float


def dersimonian_laird(
    means: Sequence[float], variances: Sequence[float], centre: float | None = None
) -> float:
    """Between-group variance τ² by the method of moments, truncated at 0.

    ``Q = Σ aᵢ (x̄ᵢ − x̄_a)²`` with ``aᵢ = 1/vᵢ``; ``τ² = max(0, (Q − (k − 1)) / C)``
    with ``C = Σ aᵢ − Σ aᵢ² / Σ aᵢ``. With a known ``centre`` (the groups' true
    values spread around it, nothing estimated), ``Q`` is taken around it and
    ``τ² = max(0, (Q − k) / Σ aᵢ)``, since then ``E[Q] = k + τ² Σ aᵢ``.

    >>> dersimonian_laird([10.0, 20.0, 30.0], [4.0, 4.0, 4.0])
    96.0
    >>> dersimonian_laird([10.0, 20.0, 30.0], [4.0, 4.0, 4.0], centre=0.0)
    462.6666666666667
    """
    x = np.asarray(means, dtype=np.float64)
    a = 1.0 / np.asarray(variances, dtype=np.float64)
    if centre is not None:
        if len(x) < 1:
            raise ValueError("τ² needs at least one group")
        q0 = float((a * (x - centre) ** 2).sum())
        return max(0.0, (q0 - len(x)) / float(a.sum()))
    if len(x) < 2:
        raise ValueError("τ² needs at least two groups")
    fixed = float((a * x).sum() / a.sum())
    q = float((a * (x - fixed) ** 2).sum())
    c = float(a.sum() - (a * a).sum() / a.sum())
    return max(0.0, (q - (len(x) - 1)) / c)


def group_variances(
    answered: Sequence[Sample], min_own_n: int = MIN_OWN_N
) -> tuple[list[tuple[float, VarianceSource] | None], float | None]:
    """σᵢ² and where it came from, for each answered sample; and the pooled variance.

    ``None`` for a sample when every answer is the same (no variance to borrow).
    """
    within = [(s.n - 1, s.variance) for s in answered if s.n >= 2 and s.variance is not None]
    dof = sum(d for d, _ in within)
    pooled = sum(d * v for d, v in within) / dof if dof else None
    total_n = sum(s.n for s in answered)
    grand = sum(s.n * (s.mean or 0.0) for s in answered) / total_n
    between = sum(s.n * ((s.mean or 0.0) - grand) ** 2 for s in answered)
    total = (sum(d * v for d, v in within) + between) / (total_n - 1) if total_n > 1 else None
    fallback: tuple[float, VarianceSource] | None = None
    if pooled:
        fallback = (pooled, "pooled")
    elif total:
        fallback = (total, "total")
    out: list[tuple[float, VarianceSource] | None] = []
    for s in answered:
        if s.n >= min_own_n and s.variance:
            out.append((s.variance, "own"))
        else:
            out.append(fallback)
    return out, pooled


def _ranks(values: dict[str, float], lower_is_better: bool) -> dict[str, int]:
    """Competition ranking (1, 1, 3): equal estimates share a rank."""
    sign = 1.0 if lower_is_better else -1.0
    out = {}
    for key, v in values.items():
        tol = 1e-9 * max(1.0, abs(v))
        out[key] = 1 + sum(1 for w in values.values() if sign * (w - v) < -tol)
    return out


def shrink(
    samples: Sequence[Sample],
    *,
    lower_is_better: bool = True,
    level: float = 0.95,
    min_own_n: int = MIN_OWN_N,
) -> Shrinkage:
    """Shrunk estimates, intervals and ranks of ``samples`` (see the module's docstring).

    ``lower_is_better``: rank 1 is the lowest estimate (the effort index);
    ``False`` for a scale where higher is better. Samples with ``n = 0`` are
    kept, unranked, with no estimate.
    """
    z = float(special.ndtri(0.5 + level / 2))
    answered = [s for s in samples if s.n > 0 and s.mean is not None]
    if not answered:
        empty = tuple(_empty(s) for s in samples)
        return Shrinkage(empty, "no_answers", None, None, None, None, level)
    sigmas, pooled = group_variances(answered, min_own_n)
    found: dict[str, Estimate] = {}
    target: float | None
    target_ci: tuple[float, float] | None = None
    tau2: float | None
    status: Status
    if len(answered) == 1 or any(x is None for x in sigmas):
        # One agent, or every answer the same: nothing to shrink towards or by.
        status = "single_agent" if len(answered) == 1 else "no_spread"
        tau2 = None if len(answered) == 1 else 0.0
        target = answered[0].mean if len(answered) == 1 else _plain_mean(answered)
        for s, sig in zip(answered, sigmas, strict=True):
            found[s.key] = _unshrunk(s, sig, z)
    else:
        means = [s.mean or 0.0 for s in answered]
        v = [sig[0] / s.n for s, sig in zip(answered, sigmas, strict=True) if sig]
        tau2 = dersimonian_laird(means, v)
        status = "shrunk" if tau2 > 0 else "no_between_variance"
        a = [1.0 / (vi + tau2) for vi in v]
        target = sum(ai * m for ai, m in zip(a, means, strict=True)) / sum(a)
        var_target = 1.0 / sum(a)
        half = z * math.sqrt(var_target)
        target_ci = (target - half, target + half)
        for s, sig, vi, m in zip(answered, sigmas, v, means, strict=True):
            assert sig is not None
            w = tau2 / (tau2 + vi)
            theta = w * m + (1 - w) * target
            half = z * math.sqrt(w * vi + (1 - w) ** 2 * var_target)
            found[s.key] = Estimate(
                s.key, s.n, m, sig[0], sig[1], vi, w, theta, (theta - half, theta + half), None
            )
    ranks = _ranks(
        {k: e.estimate for k, e in found.items() if e.estimate is not None}, lower_is_better
    )
    estimates = tuple(
        _with_rank(found[s.key], ranks[s.key]) if s.key in found else _empty(s) for s in samples
    )
    return Shrinkage(estimates, status, target, target_ci, tau2, pooled, level)


def _unshrunk(s: Sample, sig: tuple[float, VarianceSource] | None, z: float) -> Estimate:
    """The agent's own mean, with a normal interval when its variance is known."""
    mean = s.mean or 0.0
    if sig is None:
        return Estimate(s.key, s.n, mean, None, None, None, 1.0, mean, None, None)
    v = sig[0] / s.n
    half = z * math.sqrt(v)
    return Estimate(
        s.key, s.n, mean, sig[0], sig[1], v, 1.0, mean, (mean - half, mean + half), None
    )


def _plain_mean(samples: Sequence[Sample]) -> float:
    return sum(s.n * (s.mean or 0.0) for s in samples) / sum(s.n for s in samples)


def _empty(s: Sample) -> Estimate:
    return Estimate(s.key, s.n, s.mean, None, None, None, None, None, None, None)


def _with_rank(e: Estimate, rank: int) -> Estimate:
    return replace(e, rank=rank)
