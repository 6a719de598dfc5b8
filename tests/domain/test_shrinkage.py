"""Empirical-Bayes shrinkage of agents' means: hand-computed values and edge cases."""

from __future__ import annotations

import doctest
import math

import numpy as np
import pytest

from fluide.domain import shrinkage as module
from fluide.domain.shrinkage import Sample, dersimonian_laird, shrink

Z95 = 1.959963984540054


def by_key(out: module.Shrinkage) -> dict[str, module.Estimate]:
    return {e.key: e for e in out.estimates}


def test_three_agents_match_the_arithmetic_done_by_hand() -> None:
    # A: 4 answers, mean 20, variance 16 (under 10 answers: the pooled variance is used)
    # B: 16 answers, mean 30, variance 16 (own variance)
    # C: 1 answer of 50 (no variance of its own: pooled)
    out = shrink([Sample("A", 4, 20.0, 16.0), Sample("B", 16, 30.0, 16.0), Sample("C", 1, 50.0)])
    e = by_key(out)
    # Pooled within-agent variance: (3·16 + 15·16) / (3 + 15) = 16.
    assert out.within_variance == pytest.approx(16.0)
    assert [e[k].variance_source for k in "ABC"] == ["pooled", "own", "pooled"]
    # Sampling variances vᵢ = σ²/nᵢ: 16/4 = 4, 16/16 = 1, 16/1 = 16.
    assert [e[k].sampling_variance for k in "ABC"] == pytest.approx([4.0, 1.0, 16.0])
    # DerSimonian–Laird, aᵢ = 1/vᵢ = 1/4, 1, 1/16; Σa = 21/16.
    # Fixed-effect mean: (20/4 + 30 + 50/16) / (21/16) = 610/21 ≈ 29.0476.
    # Q = ¼(20 − 610/21)² + (30 − 610/21)² + (1/16)(50 − 610/21)²
    #   = (9025 + 400 + 12100)/441 = 1025/21 ≈ 48.8095.
    # C = Σa − Σa²/Σa = 21/16 − (273/256)/(21/16) = 21/16 − 13/16 = 1/2.
    # τ² = (Q − (3 − 1)) / C = (1025/21 − 2) · 2 = 1966/21 ≈ 93.619.
    assert out.tau2 == pytest.approx(1966 / 21)
    assert out.status == "shrunk"
    # Random-effects mean: weights 1/(vᵢ + τ²) = 1/97.619, 1/94.619, 1/109.619.
    r = [1 / (4 + 1966 / 21), 1 / (1 + 1966 / 21), 1 / (16 + 1966 / 21)]
    mu = (20 * r[0] + 30 * r[1] + 50 * r[2]) / sum(r)
    assert mu == pytest.approx(32.67282, abs=1e-5)
    assert out.target == pytest.approx(mu)
    # wᵢ = τ²/(τ² + vᵢ): A 93.619/97.619 = 0.95902, B 0.98943, C 0.85404.
    assert [e[k].weight for k in "ABC"] == pytest.approx([0.959024, 0.989431, 0.854040], abs=1e-6)
    # θᵢ = wᵢ x̄ᵢ + (1 − wᵢ) μ: A 0.95902·20 + 0.04098·32.673 = 20.519; B 30.028; C 47.471.
    assert [e[k].estimate for k in "ABC"] == pytest.approx([20.51928, 30.02825, 47.47092], abs=1e-5)
    # Interval: θᵢ ± 1.96·√(wᵢvᵢ + (1 − wᵢ)² Var μ), Var μ = 1/Σ rᵢ = 33.4056;
    # A: 0.95902·4 + 0.04098²·33.4056 = 3.89219 → 20.519 ± 3.8668.
    var_mu = 1 / sum(r)
    assert var_mu == pytest.approx(33.40560, abs=1e-5)
    lo, hi = e["A"].ci or (0.0, 0.0)
    assert (hi - lo) / 2 == pytest.approx(Z95 * math.sqrt(3.892186), abs=1e-5)
    assert [e[k].rank for k in "ABC"] == [1, 2, 3]


def test_three_perfect_answers_rank_below_sixty_very_good_ones() -> None:
    # On the effort index (lower is better): "lucky" answered 3 times with no effort at all.
    team = [
        Sample("lucky", 3, 0.0, 0.0),
        Sample("steady", 60, 8.0, 300.0),
        Sample("c", 40, 25.0, 800.0),
        Sample("d", 40, 35.0, 900.0),
        Sample("e", 40, 40.0, 900.0),
    ]
    e = by_key(shrink(team))
    assert e["lucky"].mean == 0.0 < e["steady"].mean  # type: ignore[operator]
    assert e["steady"].rank == 1
    assert e["lucky"].rank == 2
    # Three identical answers do not claim a precise mean: the pooled variance is used.
    assert e["lucky"].variance_source == "pooled"
    assert e["lucky"].weight < 0.6 < 0.95 < e["steady"].weight  # type: ignore[operator]
    lucky_ci, steady_ci = e["lucky"].ci, e["steady"].ci
    assert lucky_ci and steady_ci and lucky_ci[1] - lucky_ci[0] > 3 * (steady_ci[1] - steady_ci[0])


def test_without_between_agent_variance_everyone_shrinks_to_the_team_mean() -> None:
    # Means closer than chance: Q = ¼(1² + 0 + 1²) = 0.5 < k − 1 = 2, so τ² = 0.
    out = shrink([Sample(k, 4, m, 16.0) for k, m in (("a", 19.0), ("b", 20.0), ("c", 21.0))])
    assert out.tau2 == 0.0 and out.status == "no_between_variance"
    assert out.target == pytest.approx(20.0)
    assert all(e.estimate == pytest.approx(20.0) and e.weight == 0.0 for e in out.estimates)
    # Everyone shares rank 1; the interval is the team mean's: 20 ± 1.96·√(4/3).
    assert [e.rank for e in out.estimates] == [1, 1, 1]
    ci = out.estimates[0].ci
    assert ci == pytest.approx((20 - Z95 * math.sqrt(4 / 3), 20 + Z95 * math.sqrt(4 / 3)))


def test_a_single_agent_keeps_their_own_mean() -> None:
    out = shrink([Sample("solo", 25, 30.0, 400.0)])
    (e,) = out.estimates
    assert out.status == "single_agent" and out.tau2 is None
    assert e.estimate == 30.0 and e.weight == 1.0 and e.rank == 1
    assert e.ci == pytest.approx((30 - Z95 * 4, 30 + Z95 * 4))  # √(400/25) = 4


def test_agents_without_answers_are_kept_unranked_and_do_not_count() -> None:
    with_empty = shrink(
        [Sample("a", 20, 10.0, 100.0), Sample("none", 0, None), Sample("b", 20, 30.0, 100.0)]
    )
    without = shrink([Sample("a", 20, 10.0, 100.0), Sample("b", 20, 30.0, 100.0)])
    none = by_key(with_empty)["none"]
    assert none.n == 0 and none.estimate is None and none.ci is None and none.rank is None
    assert with_empty.tau2 == without.tau2
    assert [e.estimate for e in with_empty.estimates if e.n] == [
        e.estimate for e in without.estimates
    ]


def test_no_answers_at_all_gives_no_estimate() -> None:
    out = shrink([Sample("a", 0, None), Sample("b", 0, None)])
    assert out.status == "no_answers" and out.target is None
    assert all(e.rank is None for e in out.estimates)
    assert shrink([]).status == "no_answers"


def test_identical_answers_everywhere_leave_nothing_to_shrink() -> None:
    out = shrink([Sample("a", 3, 0.0, 0.0), Sample("b", 1, 0.0)])
    assert out.status == "no_spread" and out.tau2 == 0.0
    assert [(e.estimate, e.rank, e.ci) for e in out.estimates] == [(0.0, 1, None), (0.0, 1, None)]


def test_one_answer_per_agent_uses_the_variance_of_all_answers() -> None:
    # No agent has two answers: within variance unknown, the variance of all (10, 20, 30) is 100.
    out = shrink([Sample("a", 1, 10.0), Sample("b", 1, 20.0), Sample("c", 1, 30.0)])
    assert out.within_variance is None
    assert {e.variance_source for e in out.estimates} == {"total"}
    assert out.estimates[0].variance == pytest.approx(100.0)


def test_own_variance_needs_enough_answers_and_some_spread() -> None:
    out = shrink(
        [
            Sample("many", 12, 10.0, 50.0),
            Sample("few", 9, 20.0, 50.0),
            Sample("same", 30, 0.0, 0.0),
        ],
        min_own_n=10,
    )
    sources = {e.key: e.variance_source for e in out.estimates}
    assert sources == {"many": "own", "few": "pooled", "same": "pooled"}
    # Pooled: (11·50 + 8·50 + 29·0) / 48.
    assert out.within_variance == pytest.approx(950 / 48)


def test_higher_is_better_reverses_the_ranks() -> None:
    team = [Sample("a", 30, 2.0, 1.0), Sample("b", 30, 5.0, 1.0), Sample("c", 30, 6.0, 1.0)]
    assert [e.rank for e in shrink(team).estimates] == [1, 2, 3]
    assert [e.rank for e in shrink(team, lower_is_better=False).estimates] == [3, 2, 1]


def test_counts_give_the_sample_variance() -> None:
    s = Sample.of_counts("a", [0.0, 50.0, 100.0], [2, 1, 1])
    assert s.n == 4 and s.mean == 37.5
    assert s.variance == pytest.approx(np.var([0, 0, 50, 100], ddof=1))
    assert Sample.of_counts("b", [0.0, 100.0], [0, 1]).variance is None


def test_dersimonian_laird_needs_two_groups_and_never_goes_negative() -> None:
    with pytest.raises(ValueError, match="two groups"):
        dersimonian_laird([1.0], [1.0])
    assert dersimonian_laird([5.0, 5.0, 5.0], [1.0, 2.0, 3.0]) == 0.0


def test_intervals_cover_the_true_levels_about_95_percent_of_the_time() -> None:
    # Simulated teams from the model itself: true levels N(30, 8²), answers N(level, 25²).
    rng = np.random.default_rng(7)
    covered = total = 0
    for _ in range(60):
        levels = rng.normal(30, 8, 25)
        sizes = rng.integers(3, 80, 25)
        samples = []
        for i, (level, n) in enumerate(zip(levels, sizes, strict=True)):
            x = rng.normal(level, 25, int(n))
            samples.append(Sample(str(i), int(n), float(x.mean()), float(x.var(ddof=1))))
        for e, level in zip(shrink(samples).estimates, levels, strict=True):
            assert e.ci is not None
            covered += e.ci[0] <= level <= e.ci[1]
            total += 1
    assert 0.91 <= covered / total <= 0.98


def test_shrunk_estimates_are_closer_to_the_truth_than_raw_means() -> None:
    rng = np.random.default_rng(11)
    raw_err = shrunk_err = 0.0
    for _ in range(40):
        levels = rng.normal(30, 6, 20)
        samples = []
        for i, level in enumerate(levels):
            n = int(rng.integers(2, 40))
            x = rng.normal(level, 25, n)
            samples.append(Sample(str(i), n, float(x.mean()), float(x.var(ddof=1))))
        for s, e, level in zip(samples, shrink(samples).estimates, levels, strict=True):
            raw_err += (s.mean - level) ** 2
            shrunk_err += (e.estimate - level) ** 2
    assert shrunk_err < 0.7 * raw_err


def test_doctests() -> None:
    assert doctest.testmod(module).failed == 0
