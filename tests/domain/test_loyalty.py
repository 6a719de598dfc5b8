"""Loyalty figures against definitions written out by hand and a per-answer oracle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from fluide.domain import loyalty as dl
from fluide.domain.scales import SCALES, Polarity, Question

D = dl.DAY_US


def oracle(answers, events, horizon, end):
    """Per answer, straight from the definitions: observed, and an event in (t, t + H]."""
    out = []
    for cu, t in answers:
        observed = t + horizon <= end
        hit = any(c == cu and t < at <= t + horizon for c, at in events)
        out.append((observed, observed and hit))
    return out


def test_follow_matches_the_definitions_per_answer_with_ties_and_repeat_customers() -> None:
    rng = np.random.default_rng(7)
    for _ in range(30):
        n, m = int(rng.integers(1, 60)), int(rng.integers(0, 40))
        # Coarse times (whole days) make ties: events at t, at t + H exactly, and twice.
        a_cu = rng.integers(0, 8, n)
        a_at = rng.integers(0, 20, n) * D
        e_cu = rng.integers(0, 8, m)
        e_at = rng.integers(0, 30, m) * D
        horizon = int(rng.integers(1, 6)) * D
        end = int(rng.integers(10, 30)) * D
        obs, fol = dl.follow(
            answer_customer=a_cu,
            answer_at=a_at,
            event_customer=e_cu,
            event_at=e_at,
            horizon_us=horizon,
            end_us=end,
        )
        expected = oracle(
            list(zip(a_cu, a_at, strict=True)), list(zip(e_cu, e_at, strict=True)), horizon, end
        )
        assert list(zip(obs.tolist(), fol.tolist(), strict=True)) == expected


def test_the_horizon_is_open_at_the_answer_and_closed_at_its_end() -> None:
    obs, fol = dl.follow(
        answer_customer=[0, 1, 2, 2],
        answer_at=[0, 0, 0, 5 * D],
        # 0: event at the answer's own time (not after it); 1: at t + 90 days exactly;
        # 2: one event at day 91 follows its second answer (day 5) but not its first.
        event_customer=[0, 1, 2],
        event_at=[0, 90 * D, 91 * D],
        horizon_us=90 * D,
        end_us=95 * D,
    )
    assert obs.tolist() == [True, True, True, True]  # 5 + 90 = 95 <= 95
    assert fol.tolist() == [False, True, False, True]


def test_an_answer_not_yet_observed_is_never_followed() -> None:
    # 10 + 90 = 100 > end 99: not observed, though the customer churned on day 20.
    obs, fol = dl.follow(
        answer_customer=[0],
        answer_at=[10 * D],
        event_customer=[0],
        event_at=[20 * D],
        horizon_us=90 * D,
        end_us=99 * D,
    )
    assert obs.tolist() == [False] and fol.tolist() == [False]


def test_cells_by_effort_group_and_score_hand_checked() -> None:
    q = Question(SCALES["1-7"], Polarity.EASE)  # e = 8 − score; low e ≤ 2, high e ≥ 5
    score = np.array([7, 6, 6, 1, 2, 3, 4])  # e: 1 1 2 7 6 5 4 -> low low low high high high mod
    observed = np.array([True, True, False, True, True, True, True])
    followed = np.array([False, True, False, True, True, False, False])
    g = dl.by_group(q, score, observed, followed)
    assert (g["low"].answers, g["low"].observed, g["low"].followed) == (3, 2, 1)
    assert g["low"].rate == 50.0  # 100 × 1 / 2
    assert (g["high"].answers, g["high"].observed, g["high"].followed) == (3, 3, 2)
    assert g["high"].rate == pytest.approx(200 / 3)
    assert (g["moderate"].answers, g["moderate"].followed) == (1, 0)
    s = dl.by_score(q, score, observed, followed)
    assert list(s) == [1, 2, 3, 4, 5, 6, 7]
    assert s[5].answers == 0 and s[5].rate is None and s[5].ci95 is None
    assert (s[6].answers, s[6].observed, s[6].followed) == (2, 1, 1)


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 10), (10, 10), (37, 120), (1, 1)])
def test_wilson_interval_in_percent_matches_scipy(k: int, n: int) -> None:
    c = dl.cell(n, n, k)
    ref = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert c.ci95 == pytest.approx((100 * ref.low, 100 * ref.high), abs=1e-9)


def test_relative_risk_and_katz_interval_by_hand() -> None:
    # High: 12 followed of 40 observed (30 %); low: 6 of 60 (10 %): RR = 3.
    # SE(ln RR) = √(1/12 − 1/40 + 1/6 − 1/60) = √0.208333 = 0.456435;
    # 1.959964 × 0.456435 = 0.894596; interval 3·e^∓0.894597 = 1.22632, 7.33905.
    rr = dl.relative_risk(dl.cell(40, 40, 12), dl.cell(70, 60, 6))
    assert rr.high_vs_low == pytest.approx(3.0)
    se = math.sqrt(1 / 12 - 1 / 40 + 1 / 6 - 1 / 60)
    assert se == pytest.approx(0.456435, abs=1e-6)
    assert rr.ci95 == pytest.approx((1.22632, 7.33905), abs=1e-4)


def test_relative_risk_needs_followed_low_answers() -> None:
    assert dl.relative_risk(dl.cell(5, 5, 2), dl.cell(5, 5, 0)).high_vs_low is None
    rr = dl.relative_risk(dl.cell(5, 5, 0), dl.cell(5, 5, 2))
    assert rr.high_vs_low == 0.0 and rr.ci95 is None


def test_groups_with_fewer_than_ten_followed_answers_are_named() -> None:
    groups = {"low": dl.cell(50, 50, 9), "moderate": dl.cell(0, 0, 0), "high": dl.cell(50, 50, 10)}
    assert dl.few_followed(groups) == ["low"]
