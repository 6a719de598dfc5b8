"""Shrinking frictions' effort gaps towards 0: hand-computed values and the fallbacks."""

from __future__ import annotations

import doctest

import pytest

from fluide.domain import friction_shrinkage as module
from fluide.domain.friction_shrinkage import GapSample, shrink_gaps
from fluide.domain.shrinkage import dersimonian_laird

Z95 = 1.959963984540054


def test_docstring_examples() -> None:
    assert doctest.testmod(module).failed == 0


def test_between_variance_around_a_known_centre_by_hand() -> None:
    # Σ a (x − 0)² = (100 + 400 + 900) / 4 = 350; Σ a = 3/4; τ² = (350 − 3) / 0.75.
    assert dersimonian_laird([10.0, 20.0, 30.0], [4.0, 4.0, 4.0], centre=0.0) == pytest.approx(
        347 / 0.75, abs=1e-9
    )
    # Gaps no larger than their noise: truncated at 0.
    assert dersimonian_laird([1.0, -1.0, 0.5], [4.0, 4.0, 4.0], centre=0.0) == 0.0


def test_a_friction_with_ten_answers_uses_its_own_variance() -> None:
    # A: 10 answers, variance 500 (own): v = 50. B, C: 2 answers, variances 100 and 300,
    # pooled (9 × 500 + 100 + 300) / 11 = 4900 / 11 → v = 2450 / 11 each.
    # Σ g²/v = 900/50 + 11 (400 + 100) / 2450 = 18 + 5500/2450; Σ 1/v = 1/50 + 22/2450.
    found = shrink_gaps(
        [
            GapSample("A", 10, 30.0, 60.0, 500.0),
            GapSample("B", 2, 20.0, 50.0, 100.0),
            GapSample("C", 2, -10.0, 20.0, 300.0),
        ]
    )
    v_pooled = 2450 / 11
    tau2 = (18 + 5500 / 2450 - 3) / (1 / 50 + 22 / 2450)
    assert found.status == "shrunk"
    assert found.tau2 == pytest.approx(tau2, abs=1e-9)
    a, b, c = (found.estimates[k] for k in "ABC")
    assert (a.variance_source, b.variance_source) == ("own", "pooled")
    assert a.sampling_variance == pytest.approx(50.0, abs=1e-9)
    assert b.sampling_variance == pytest.approx(v_pooled, abs=1e-9)
    assert a.gap == pytest.approx(30 * tau2 / (tau2 + 50), abs=1e-9)
    assert c.gap == pytest.approx(-10 * tau2 / (tau2 + v_pooled), abs=1e-9)
    w = tau2 / (tau2 + 50)
    half = Z95 * (w * 50) ** 0.5
    assert a.ci == pytest.approx((a.gap - half, a.gap + half), abs=1e-9)


def test_gaps_no_larger_than_chance_are_all_pulled_to_zero() -> None:
    found = shrink_gaps(
        [GapSample(k, 2, g, 50.0, 400.0) for k, g in [("a", 5.0), ("b", -4.0), ("c", 3.0)]]
    )
    assert found.status == "no_between_variance" and found.tau2 == 0.0
    assert all(e.gap == 0.0 and e.weight == 0.0 for e in found.estimates.values())


def test_too_few_frictions_are_not_shrunk() -> None:
    found = shrink_gaps([GapSample("a", 1, 40.0, 80.0, None), GapSample("b", 4, 10.0, 50.0, 300.0)])
    assert found.status == "too_few_frictions" and found.tau2 is None
    a = found.estimates["a"]
    assert (a.gap, a.weight, a.sampling_variance) == (40.0, 1.0, 300.0)
    half = Z95 * 300**0.5
    assert a.ci == pytest.approx((40 - half, 40 + half))


def test_no_spread_at_all_keeps_the_gaps_without_interval() -> None:
    found = shrink_gaps([GapSample(k, 1, 10.0 * i, 50.0, None) for i, k in enumerate("abc", 1)])
    assert found.status == "no_spread"
    assert [(e.gap, e.weight, e.ci) for e in found.estimates.values()] == [
        (10.0, 1.0, None),
        (20.0, 1.0, None),
        (30.0, 1.0, None),
    ]


def test_no_friction_at_all() -> None:
    found = shrink_gaps([])
    assert (found.estimates, found.status, found.tau2) == ({}, "no_spread", None)
