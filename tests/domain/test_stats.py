"""Statistics from counts per point (fluide.domain.stats), checked against SciPy
and NumPy on the expanded raw values, and against published or hand-computed
figures.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pytest
from scipy import stats as sps

from fluide.domain.stats import (
    bootstrap_mean_diff,
    cliffs_delta,
    mann_whitney_p,
    mean_sd,
    t_interval,
    wilson_interval,
)

Z95 = NormalDist().inv_cdf(0.975)  # stdlib, independent of scipy.stats.norm


def expand(counts: Sequence[int], values: Sequence[float] | None = None) -> np.ndarray:
    """Factory: the raw values behind counts (point i+1 repeated counts[i] times)."""
    v = np.arange(1, len(counts) + 1, dtype=float) if values is None else np.asarray(values, float)
    return np.repeat(v, np.asarray(counts, dtype=int))


def random_counts(rng: np.random.Generator, k: int, high: int) -> list[int]:
    """Factory: a count vector on k points with at least one answer."""
    while True:
        c = rng.integers(0, high, size=k)
        c[rng.random(k) < 0.25] = 0  # some empty points
        if c.sum() > 0:
            return [int(x) for x in c]


def wilson_by_hand(x: int, n: int, z: float = Z95) -> tuple[float, float]:
    """Wilson (1927) score interval, written out from the formula."""
    p = x / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
    return max(0.0, centre - half), min(1.0, centre + half)


# --- mean and standard deviation -------------------------------------------------


def test_mean_sd_matches_numpy_on_expanded_values() -> None:
    counts = [10, 0, 20, 20, 10, 30, 10]
    x = expand(counts)
    n, mean, sd = mean_sd(range(1, 8), counts)
    assert n == 100
    assert mean == pytest.approx(float(np.mean(x)), abs=1e-12)
    assert sd == pytest.approx(float(np.std(x, ddof=1)), abs=1e-12)


def test_mean_sd_seed_000_total_450_over_100_answers() -> None:
    # seed 000: "Le total des notes est de 450. 450 ÷ 100 = 4,5"
    counts = [10, 0, 20, 20, 10, 30, 10]  # 10 + 60 + 80 + 50 + 180 + 70 = 450
    assert mean_sd(range(1, 8), counts)[1] == 4.5


def test_mean_sd_on_non_integer_values() -> None:
    # by hand: values 0, 50, 100 with counts 1, 2, 1 → mean 50, var (2500·2)/3
    n, mean, sd = mean_sd([0.0, 50.0, 100.0], [1, 2, 1])
    assert (n, mean) == (4, 50.0)
    assert sd == pytest.approx(math.sqrt(5000 / 3), abs=1e-12)


def test_mean_sd_without_answers_is_none() -> None:
    assert mean_sd([1, 2, 3], [0, 0, 0]) == (0, None, None)


def test_mean_sd_of_one_answer_has_no_sd() -> None:
    assert mean_sd([1, 2, 3], [0, 1, 0]) == (1, 2.0, None)


def test_mean_sd_of_identical_answers_has_zero_sd() -> None:
    assert mean_sd([1, 2, 3], [0, 5, 0]) == (5, 2.0, 0.0)


@pytest.mark.parametrize("bad", [[1, -1, 2], [[1, 2], [3, 4]]])
def test_negative_or_nested_counts_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="non-negative"):
        mean_sd([1, 2], bad)  # type: ignore[arg-type]


# --- Student-t interval ------------------------------------------------------------


@pytest.mark.parametrize(
    "counts",
    [[10, 0, 20, 20, 10, 30, 10], [1, 1], [3, 0, 0, 0, 2], [0, 40, 1, 0, 0, 0, 0, 0, 0, 7]],
)
def test_t_interval_matches_scipy_t_interval(counts: list[int]) -> None:
    x = expand(counts)
    n, mean, sd = mean_sd(range(1, len(counts) + 1), counts)
    lo, hi = t_interval(n, mean, sd)  # type: ignore[misc]
    # scipy.stats.t.interval(0.95, n − 1, loc=mean, scale=sem) on the expanded values
    ref = sps.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    assert (lo, hi) == pytest.approx(ref, abs=1e-9)


def test_t_interval_at_another_level() -> None:
    x = expand([5, 3, 2])
    n, mean, sd = mean_sd([1, 2, 3], [5, 3, 2])
    ref = sps.t.interval(0.90, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    assert t_interval(n, mean, sd, level=0.90) == pytest.approx(ref, abs=1e-9)


def test_t_interval_needs_two_values() -> None:
    assert t_interval(1, 3.0, None) is None
    assert t_interval(0, None, None) is None


def test_t_interval_of_identical_values_is_a_point() -> None:
    assert t_interval(5, 2.0, 0.0) == (2.0, 2.0)


# --- Wilson interval -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("x", "n", "lo", "hi"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3 (score)
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0000, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_1998(x: int, n: int, lo: float, hi: float) -> None:
    got = wilson_interval(x, n)
    assert got is not None
    assert got == pytest.approx((lo, hi), abs=5e-5)


@pytest.mark.parametrize(("x", "n"), [(30, 100), (0, 1), (1, 1), (7, 7), (3, 1000), (500, 1000)])
def test_wilson_interval_matches_the_formula_by_hand(x: int, n: int) -> None:
    assert wilson_interval(x, n) == pytest.approx(wilson_by_hand(x, n), abs=1e-12)


def test_wilson_interval_stays_within_0_and_1() -> None:
    for x, n in [(0, 3), (3, 3), (1, 2), (0, 1000), (1000, 1000)]:
        lo, hi = wilson_interval(x, n)  # type: ignore[misc]
        assert 0.0 <= lo < hi <= 1.0


@pytest.mark.parametrize(("x", "n"), [(0, 3), (0, 20), (0, 1000)])
def test_wilson_lower_bound_is_exactly_0_without_successes(x: int, n: int) -> None:
    # by hand: with p = 0, centre = (z²/2n)/d and half = z·sqrt(z²/4n²)/d = (z²/2n)/d,
    # so the lower bound is exactly 0 (Newcombe 1998, Table I: 0/20 → 0.0000) and the
    # interval contains the observed rate 0; symmetric to x = n giving exactly 1.
    lo, _ = wilson_interval(x, n)  # type: ignore[misc]
    assert lo == 0.0
    assert wilson_interval(n, n)[1] == 1.0  # type: ignore[index]


def test_wilson_interval_without_trials_is_none() -> None:
    assert wilson_interval(0, 0) is None


# --- Mann–Whitney U ------------------------------------------------------------------


def scipy_mwu_p(before: Sequence[int], after: Sequence[int]) -> float:
    """Reference: scipy.stats.mannwhitneyu(x, y) on the expanded values, method auto."""
    return float(sps.mannwhitneyu(expand(before), expand(after), alternative="two-sided").pvalue)


@pytest.mark.parametrize("k", [3, 5, 7, 10])
def test_mann_whitney_p_matches_scipy_on_random_counts_with_ties(k: int) -> None:
    rng = np.random.default_rng(20260101 + k)
    for _ in range(60):
        high = int(rng.choice([3, 10, 60]))
        before, after = random_counts(rng, k, high), random_counts(rng, k, high)
        if sum(1 for a, b in zip(before, after, strict=True) if a + b) < 2:
            continue  # every answer equal: see the dedicated test
        got = mann_whitney_p(before, after)
        assert got is not None
        assert got == pytest.approx(scipy_mwu_p(before, after), abs=1e-9), (before, after)


def test_mann_whitney_p_matches_scipy_on_a_large_sample() -> None:
    before = [120, 340, 410, 280, 150, 90, 60]
    after = [200, 420, 380, 220, 100, 50, 30]
    assert mann_whitney_p(before, after) == pytest.approx(scipy_mwu_p(before, after), abs=1e-9)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # no ties, both samples ≤ 8: scipy's "auto" uses the exact distribution
        ([1, 0, 1, 0, 0], [0, 1, 0, 1, 1]),
        ([1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1]),
        ([0, 1], [1, 0]),
        ([1, 0, 1, 0, 1, 0, 1, 0, 1, 0], [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
        # no ties, one sample ≤ 8 and the other 9: scipy's "auto" still picks
        # "exact" (scipy.stats._mannwhitneyu._mwu_choose_method: asymptotic only
        # when *both* n1 > 8 and n2 > 8, or with ties)
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], [0, 1, 1, 1, 1, 1, 1, 1, 1, 1]),
    ],
)
def test_mann_whitney_p_matches_scipy_exact_case_without_ties(
    before: list[int], after: list[int]
) -> None:
    assert mann_whitney_p(before, after) == pytest.approx(scipy_mwu_p(before, after), abs=1e-9)


def test_mann_whitney_exact_p_for_complete_separation_by_hand() -> None:
    # by hand: 3 vs 4 distinct values, completely separated: U = 0 is one of
    # C(7, 3) = 35 equally likely arrangements, two-sided p = 2/35
    assert mann_whitney_p([1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1, 1]) == pytest.approx(2 / 35)


def test_mann_whitney_p_is_none_when_a_side_is_empty() -> None:
    assert mann_whitney_p([0, 0, 0], [1, 2, 3]) is None
    assert mann_whitney_p([1, 2, 3], [0, 0, 0]) is None


def test_mann_whitney_p_is_none_when_every_answer_is_equal() -> None:
    assert mann_whitney_p([0, 12, 0], [0, 30, 0]) is None


def test_mann_whitney_p_of_identical_samples_is_1() -> None:
    assert mann_whitney_p([5, 10, 5], [5, 10, 5]) == 1.0


# --- Cliff's delta ------------------------------------------------------------------


def cliffs_brute_force(before: Sequence[int], after: Sequence[int]) -> float:
    """Cliff (1993): (#{after > before} − #{after < before}) / (n·m), all pairs."""
    x, y = expand(before), expand(after)
    greater = sum(int(yj > xi) for xi in x for yj in y)
    less = sum(int(yj < xi) for xi in x for yj in y)
    return (greater - less) / (len(x) * len(y))


def test_cliffs_delta_matches_brute_force_on_random_counts() -> None:
    rng = np.random.default_rng(7)
    for k in (3, 5, 7, 10):
        for _ in range(15):
            before, after = random_counts(rng, k, 8), random_counts(rng, k, 8)
            assert cliffs_delta(before, after) == pytest.approx(
                cliffs_brute_force(before, after), abs=1e-12
            )


def test_cliffs_delta_docstring_example_by_hand() -> None:
    # by hand: before {1, 2}, after {2, 3}: pairs (1,2) (1,3) (2,3) favour after,
    # (2,2) is a tie → (3 − 0)/4
    assert cliffs_delta([1, 1, 0], [0, 1, 1]) == 0.75


def test_cliffs_delta_is_plus_1_when_after_is_always_higher() -> None:
    assert cliffs_delta([4, 3, 0, 0], [0, 0, 2, 9]) == 1.0


def test_cliffs_delta_is_minus_1_when_after_is_always_lower() -> None:
    assert cliffs_delta([0, 0, 2, 9], [4, 3, 0, 0]) == -1.0


def test_cliffs_delta_is_0_for_identical_samples() -> None:
    assert cliffs_delta([3, 1, 2], [3, 1, 2]) == 0.0


def test_cliffs_delta_is_none_when_a_side_is_empty() -> None:
    assert cliffs_delta([0, 0], [1, 1]) is None
    assert cliffs_delta([1, 1], [0, 0]) is None


# --- bootstrap ------------------------------------------------------------------------

POINTS_1_7 = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]
BEFORE_300 = [30, 45, 60, 55, 50, 35, 25]  # n = 300
AFTER_300 = [50, 70, 65, 50, 35, 20, 10]  # n = 300


def test_bootstrap_is_deterministic_for_a_seed() -> None:
    a = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, seed=42)
    b = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, seed=42)
    assert a == b
    assert a is not None
    assert (a.seed, a.resamples) == (42, 5000)


def test_bootstrap_interval_depends_on_the_seed() -> None:
    a = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, seed=1)
    b = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, seed=2)
    assert a is not None
    assert b is not None
    assert a.diff == b.diff
    assert a.ci95 != b.ci95


def test_bootstrap_diff_is_the_exact_mean_difference() -> None:
    res = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300)
    assert res is not None
    # by hand: before Σ = 30 + 90 + 180 + 220 + 250 + 210 + 175 = 1155 → 3.85
    #          after  Σ = 50 + 140 + 195 + 200 + 175 + 120 + 70 = 950 → 3.1666…
    assert res.diff == pytest.approx(950 / 300 - 1155 / 300, abs=1e-12)
    assert res.diff == pytest.approx(
        float(np.mean(expand(AFTER_300)) - np.mean(expand(BEFORE_300))), abs=1e-12
    )


def test_bootstrap_interval_contains_the_difference() -> None:
    res = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300)
    assert res is not None
    lo, hi = res.ci95
    assert lo < res.diff < hi


def test_bootstrap_interval_agrees_with_scipy_bootstrap() -> None:
    x, y = expand(BEFORE_300), expand(AFTER_300)

    def diff(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
        return np.asarray(np.mean(y, axis=axis) - np.mean(x, axis=axis))

    # scipy.stats.bootstrap((x, y), mean(y) − mean(x), method="percentile") on the
    # expanded values; both are Monte-Carlo estimates, so compare within 0.03
    # on the 1–7 scale (the interval is ≈ 0.5 wide here).
    ref = sps.bootstrap(
        (x, y),
        diff,
        method="percentile",
        n_resamples=20000,
        vectorized=True,
        paired=False,
        rng=np.random.default_rng(12345),
    ).confidence_interval
    res = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, resamples=5000, seed=3)
    assert res is not None
    assert res.ci95[0] == pytest.approx(ref.low, abs=0.03)
    assert res.ci95[1] == pytest.approx(ref.high, abs=0.03)


def test_bootstrap_refuses_fewer_than_2000_resamples() -> None:
    with pytest.raises(ValueError, match="2000"):
        bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, resamples=1999)


def test_bootstrap_accepts_exactly_2000_resamples() -> None:
    res = bootstrap_mean_diff(POINTS_1_7, BEFORE_300, AFTER_300, resamples=2000)
    assert res is not None
    assert res.resamples == 2000


def test_bootstrap_is_none_when_a_side_is_empty() -> None:
    assert bootstrap_mean_diff(POINTS_1_7, [0] * 7, AFTER_300) is None
    assert bootstrap_mean_diff(POINTS_1_7, BEFORE_300, [0] * 7) is None


def test_bootstrap_of_constant_samples_is_a_point_interval() -> None:
    res = bootstrap_mean_diff([1.0, 2.0, 3.0], [0, 10, 0], [0, 0, 10])
    assert res is not None
    assert res.diff == 1.0
    assert res.ci95 == (1.0, 1.0)
