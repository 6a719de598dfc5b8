"""What a person reads of an interval (fluide.domain.display), on hand-computed values."""

from __future__ import annotations

import doctest

import pytest

from fluide.domain import display
from fluide.domain.display import (
    EFFORT_INDEX_BOUNDS,
    MIN_SHOWN_INTERVAL_N,
    NET_SCORE_BOUNDS,
    PERCENT_BOUNDS,
    PROPORTION_BOUNDS,
    TOO_FEW_ANSWERS,
    difference_bounds,
    scale_bounds,
    shown_interval,
)
from fluide.domain.stats import mean_sd, t_interval


def test_the_docstring_examples_hold() -> None:
    assert doctest.testmod(display).failed == 0


def test_two_answers_on_a_1_7_scale_give_too_few_answers_not_minus_14() -> None:
    # Answers 3 and 6: mean 4.5, sd 2.1213, t(1) = 12.7062, half-width 19.0593.
    ci = t_interval(*mean_sd([1, 2, 3, 4, 5, 6, 7], [0, 0, 1, 0, 0, 1, 0]))
    assert ci == pytest.approx((-14.5593, 23.5593), abs=1e-4)
    assert shown_interval(ci, scale_bounds(7), n=2) is TOO_FEW_ANSWERS


def test_six_answers_reaching_past_the_scale_are_cut_to_1_and_7() -> None:
    assert shown_interval([0.5, 7.4], scale_bounds(7), n=6) == (1.0, 7.0)


def test_a_computed_interval_past_the_bottom_is_cut_there_and_keeps_its_top() -> None:
    # Answers 1, 1, 1, 1, 1, 7: mean 2, sd √6, t(5) = 2.5706, half-width 2.5706.
    ci = t_interval(*mean_sd([1, 2, 3, 4, 5, 6, 7], [5, 0, 0, 0, 0, 0, 1]))
    assert ci == pytest.approx((-0.5706, 4.5706), abs=1e-4)
    shown = shown_interval(ci, scale_bounds(7), n=6)
    assert isinstance(shown, tuple)
    assert shown[0] == 1.0 and shown[1] == pytest.approx(4.5706, abs=1e-4)


def test_an_effort_index_interval_is_cut_to_0_100_or_too_few() -> None:
    assert shown_interval([-47.6, 164.2], EFFORT_INDEX_BOUNDS, n=5) == (0.0, 100.0)
    assert shown_interval([-47.6, 164.2], EFFORT_INDEX_BOUNDS, n=4) is TOO_FEW_ANSWERS


def test_an_interval_inside_the_bounds_is_shown_as_it_is() -> None:
    assert shown_interval([2.91, 3.64], scale_bounds(5), n=40) == (2.91, 3.64)


def test_five_answers_is_the_first_count_with_an_interval() -> None:
    assert MIN_SHOWN_INTERVAL_N == 5
    for n in range(5):
        assert shown_interval([2.0, 3.0], scale_bounds(7), n=n) is TOO_FEW_ANSWERS
    assert shown_interval([2.0, 3.0], scale_bounds(7), n=5) == (2.0, 3.0)


def test_no_interval_with_enough_answers_is_none() -> None:
    assert shown_interval(None, scale_bounds(7), n=30) is None
    assert shown_interval([float("nan"), 3.0], scale_bounds(7), n=30) is None


def test_a_difference_is_bounded_by_the_scale_span_not_the_scale() -> None:
    assert difference_bounds(scale_bounds(7)) == (-6.0, 6.0)
    assert difference_bounds(scale_bounds(5)) == (-4.0, 4.0)
    # A fall of 1.5 points on 1–7 is a difference, not a mean: it is not cut at 1.
    bounds = difference_bounds(scale_bounds(7))
    assert shown_interval([-8.2, -1.5], bounds, n=12) == (-6.0, -1.5)
    assert difference_bounds(EFFORT_INDEX_BOUNDS) == (-100.0, 100.0)


def test_net_scores_and_rates_have_their_own_bounds() -> None:
    assert shown_interval([-130.0, 40.0], NET_SCORE_BOUNDS, n=9) == (-100.0, 40.0)
    assert shown_interval([92.0, 104.0], PERCENT_BOUNDS, n=50) == (92.0, 100.0)
    assert shown_interval([-0.02, 0.3], PROPORTION_BOUNDS, n=50) == (0.0, 0.3)


def test_bounds_must_be_low_then_high() -> None:
    with pytest.raises(ValueError, match="low < high"):
        shown_interval([1.0, 2.0], (7.0, 1.0), n=10)
    with pytest.raises(ValueError, match="at least 2 points"):
        scale_bounds(1)
