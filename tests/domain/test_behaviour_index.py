"""The behavioural effort index, hand-checked: each component, the weights, a missing
component, coverage, and the correlation against SciPy's Spearman."""

from __future__ import annotations

import doctest
import random

import pytest
from scipy.stats import spearmanr

from fluide.domain import behaviour_index
from fluide.domain.behaviour_index import (
    DEFAULT_WEIGHTS,
    MIN_PAIRS,
    Scores,
    TaskSigns,
    correlation,
    index_of,
    scores,
    summarize_index,
)


def signs(
    attempts: int | None = 1,
    *,
    abandoned: bool = False,
    seconds: float | None = None,
    channels: tuple[str | None, ...] = (),
    judged: bool = True,
) -> TaskSigns:
    return TaskSigns(attempts, abandoned, seconds, channels, judged)


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        (signs(1), 0.0),
        (signs(2), 0.5),
        (signs(3), 1.0),
        (signs(7), 1.0),
        (signs(2, abandoned=True), 1.0),  # gave up: the most effort, whatever the tries
        (signs(None), None),  # in progress: not judged yet
    ],
)
def test_the_attempts_component_grows_with_the_tries(task: TaskSigns, expected: float) -> None:
    assert scores(task, None)["attempts"] == expected


@pytest.mark.parametrize(
    ("seconds", "median", "expected"),
    [(30.0, 60.0, 0.0), (60.0, 60.0, 0.0), (90.0, 60.0, 0.5), (120.0, 60.0, 1.0),
     (600.0, 60.0, 1.0), (None, 60.0, None), (30.0, None, None), (30.0, 0.0, None)],
)  # fmt: skip
def test_the_time_component_is_relative_to_the_median(
    seconds: float | None, median: float | None, expected: float | None
) -> None:
    assert scores(signs(seconds=seconds), median)["time"] == expected


def test_contacts_after_the_task_make_the_recontact_and_switch_components() -> None:
    none = scores(signs(), None)
    assert (none["recontact"], none["channel_switch"]) == (0.0, 0.0)
    one = scores(signs(channels=("chat",)), None)
    assert (one["recontact"], one["channel_switch"]) == (1.0, 0.0)
    two = scores(signs(channels=("chat", "phone")), None)
    assert (two["recontact"], two["channel_switch"]) == (1.0, 1.0)
    same = scores(signs(channels=("chat", "chat")), None)
    assert (same["recontact"], same["channel_switch"]) == (1.0, 0.0)
    # Before the W days are over, no contact yet is no answer yet; a contact already is.
    early = scores(signs(judged=False), None)
    assert (early["recontact"], early["channel_switch"]) == (None, None)
    early = scores(signs(channels=("chat",), judged=False), None)
    assert (early["recontact"], early["channel_switch"]) == (1.0, None)
    early = scores(signs(channels=("chat", "email"), judged=False), None)
    assert early["channel_switch"] == 1.0


def test_the_index_is_the_weighted_mean_of_the_known_components() -> None:
    full: Scores = {"attempts": 1.0, "time": 0.5, "recontact": 0.0, "channel_switch": 1.0}
    assert index_of(full, DEFAULT_WEIGHTS) == pytest.approx(100 * (0.35 + 0.1 + 0.1))
    missing: Scores = {**full, "time": None}
    assert index_of(missing, DEFAULT_WEIGHTS) == pytest.approx(100 * 0.45 / 0.8)
    assert index_of(dict.fromkeys(full), DEFAULT_WEIGHTS) is None
    only_time = {"attempts": 0.0, "time": 0.0, "recontact": 0.0, "channel_switch": 0.0}
    assert index_of({**only_time, "time": 1.0}, {"time": 1.0}) == 100.0
    assert sum(DEFAULT_WEIGHTS.values()) == pytest.approx(1.0)


def test_the_summary_counts_coverage_and_who_answered() -> None:
    a: Scores = {"attempts": 1.0, "time": None, "recontact": 1.0, "channel_switch": 0.0}
    b: Scores = {"attempts": 0.0, "time": 0.0, "recontact": None, "channel_switch": None}
    none: Scores = dict.fromkeys(a)
    rows = [("u1", a, 6.0), ("u1", b, None), ("u2", b, None), ("u3", none, 2.0)]
    r = summarize_index(rows, DEFAULT_WEIGHTS)
    assert (r.tasks, r.indexed, r.customers, r.answered_customers) == (4, 3, 2, 1)
    assert r.mean == pytest.approx((100 * 0.70 / 0.80 + 0 + 0) / 3)
    assert r.components["attempts"] == (3, pytest.approx(1 / 3))
    assert r.components["time"] == (2, 0.0)
    assert r.components["recontact"] == (1, 1.0)
    assert r.correlation.too_few and r.correlation.n == 1  # u3's answer has no index


def test_the_correlation_is_scipys_spearman_with_ties() -> None:
    rng = random.Random(3)
    pairs = [(float(rng.choice([0, 25, 50, 100])), float(rng.randint(1, 7))) for _ in range(40)]
    got = correlation(pairs)
    want = spearmanr([x for x, _ in pairs], [y for _, y in pairs])
    assert got.n == 40 and not got.too_few
    assert got.rho == pytest.approx(float(want.statistic))
    assert got.p_value == pytest.approx(float(want.pvalue))


def test_the_correlation_says_too_few_or_constant() -> None:
    few = [(float(i), float(i)) for i in range(MIN_PAIRS - 1)]
    c = correlation(few)
    assert c.too_few and c.rho is None and c.n == MIN_PAIRS - 1
    enough = correlation([(float(i), float(i)) for i in range(MIN_PAIRS)])
    assert not enough.too_few and enough.rho == pytest.approx(1.0)
    flat = correlation([(10.0, float(i)) for i in range(MIN_PAIRS)])
    assert not flat.too_few and flat.rho is None and flat.p_value is None


def test_doctests() -> None:
    assert doctest.testmod(behaviour_index).failed == 0
