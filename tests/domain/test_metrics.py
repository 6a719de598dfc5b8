"""CES figures of one set of answers (fluide.domain.metrics), worked by hand
from the seeds and checked against SciPy on the expanded values.

seed 000: "Tu récoltes 100 réponses ... Le total des notes est de 450.
450 ÷ 100 = 4,5." (1–7).
seed 003: Likert 1–7 "Effort faible : 1 et 2 / modéré : 3 et 4 / élevé : 5 à 7";
net = % élevé − % faible, "entre -100 ... et +100"; Net Easy Score.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from statistics import NormalDist

import numpy as np
import pytest
from scipy import stats as sps

from fluide.domain.metrics import (
    DEFAULT_SMALL_SAMPLE,
    MixedQuestionsError,
    ResponseRate,
    summarize,
    summarize_effort_index,
)
from fluide.domain.metrics import require_single_question as single
from fluide.domain.scales import SCALES, Polarity, Question


def question(scale: str = "1-7", polarity: str = "effort", **kw: object) -> Question:
    """Factory: a question on a named scale and polarity."""
    return Question(SCALES[scale], Polarity(polarity), **kw)  # type: ignore[arg-type]


def expand(counts: Sequence[int], values: Sequence[float] | None = None) -> np.ndarray:
    """Factory: the raw values behind counts (point i+1 repeated counts[i] times)."""
    v = np.arange(1, len(counts) + 1, dtype=float) if values is None else np.asarray(values, float)
    return np.repeat(v, np.asarray(counts, dtype=int))


def index_values(q: Question) -> list[float]:
    """Effort index of each raw point, written out: 100·(e − 1)/(k − 1)."""
    return [100.0 * (q.effort_of(p) - 1) / (q.k - 1) for p in q.points]


def scipy_t_interval(x: np.ndarray) -> tuple[float, float]:
    """Reference: scipy.stats.t.interval(0.95, n − 1, loc=mean, scale=sem)."""
    lo, hi = sps.t.interval(0.95, len(x) - 1, loc=np.mean(x), scale=sps.sem(x))
    return float(lo), float(hi)


# seed 000: 100 answers on 1–7 whose notes total 450, with empty points.
# by hand: 1·10 + 2·0 + 3·20 + 4·20 + 5·10 + 6·30 + 7·10 = 10 + 60 + 80 + 50 + 180 + 70 = 450
SEED_000 = [10, 0, 20, 20, 10, 30, 10]


# --- the seed's mean and Likert groups --------------------------------------------


def test_seed_000_mean_is_450_over_100_exactly() -> None:
    # seed 000: 450 ÷ 100 = 4,5
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.n == 100
    assert b.mean == 4.5


def test_likert_groups_by_hand() -> None:
    # seed 003 split: low 1–2 = 10 + 0, moderate 3–4 = 20 + 20, high 5–7 = 10 + 30 + 10
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.effort_groups == {"low": 10.0, "moderate": 40.0, "high": 50.0}


def test_net_effort_is_high_minus_low_by_hand() -> None:
    # seed 003: % effort élevé − % effort faible = 50 − 10
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.net_effort == 40.0


def test_net_easy_score_is_minus_net_effort() -> None:
    # Net Easy Score = % easy − % difficult = 10 − 50
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.net_easy == -40.0


def test_effort_index_by_hand() -> None:
    # by hand: mean of 100·(e − 1)/6 =
    # (10·0 + 0·100/6 + 20·200/6 + 20·300/6 + 10·400/6 + 30·500/6 + 10·600/6)/100
    # = (35000/6)/100 = 350/6 = 58.33…  (= 100·(4.5 − 1)/6)
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.effort_index == pytest.approx(350 / 6, abs=1e-12)


def test_mean_interval_matches_scipy_t_interval() -> None:
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.ci95 == pytest.approx(scipy_t_interval(expand(SEED_000)), abs=1e-9)


def test_effort_index_interval_matches_scipy_t_interval() -> None:
    q = question("1-7", "effort")
    b = summarize(SEED_000, q)
    ref = scipy_t_interval(expand(SEED_000, index_values(q)))
    assert b.effort_index_ci95 == pytest.approx(ref, abs=1e-9)


def test_distribution_keeps_zero_counts() -> None:
    b = summarize(SEED_000, question("1-7", "effort"))
    assert b.distribution == {1: 10, 2: 0, 3: 20, 4: 20, 5: 10, 6: 30, 7: 10}


def test_docstring_example_by_hand() -> None:
    # by hand: (1·10 + 2·20 + 3·30 + 4·20 + 5·10 + 6·5 + 7·5)/100 = 335/100;
    # low = 10 + 20, high = 10 + 5 + 5 → net 20 − 30
    b = summarize([10, 20, 30, 20, 10, 5, 5], question("1-7", "effort"))
    assert (b.n, b.mean, b.effort_groups["low"], b.net_effort) == (100, 3.35, 30.0, -10.0)


def test_ease_question_on_1_5_by_hand() -> None:
    # 1–5 ease, counts for scores 1..5 = 2, 3, 5, 6, 4 (n = 20)
    # by hand: mean = (2 + 6 + 15 + 24 + 20)/20 = 67/20 = 3.35
    # e = 6 − score: low e ≤ 2 ⇔ score 4–5: 10; moderate score 3: 5; high score 1–2: 5
    # effort index per score: 100, 75, 50, 25, 0 →
    # (2·100 + 3·75 + 5·50 + 6·25 + 4·0)/20 = (200 + 225 + 250 + 150)/20 = 41.25
    q = question("1-5", "ease")
    b = summarize([2, 3, 5, 6, 4], q)
    assert b.mean == pytest.approx(3.35, abs=1e-12)
    assert b.effort_groups == {"low": 50.0, "moderate": 25.0, "high": 25.0}
    assert b.net_effort == -25.0
    assert b.net_easy == 25.0
    assert b.effort_index == pytest.approx(41.25, abs=1e-12)
    assert b.ci95 == pytest.approx(scipy_t_interval(expand([2, 3, 5, 6, 4])), abs=1e-9)
    assert b.effort_index_ci95 == pytest.approx(
        scipy_t_interval(expand([2, 3, 5, 6, 4], index_values(q))), abs=1e-9
    )


def test_emoji_3_ease_by_hand() -> None:
    # emoji-3 ease, 😞 4, 😐 6, 🙂 10 (n = 20): low = 🙂 50 %, high = 😞 20 %
    # effort index per point: 100, 50, 0 → (400 + 300)/20 = 35
    b = summarize([4, 6, 10], question("emoji-3", "ease"))
    assert b.effort_groups == {"low": 50.0, "moderate": 30.0, "high": 20.0}
    assert b.net_effort == -30.0
    assert b.effort_index == pytest.approx(35.0, abs=1e-12)


def test_net_easy_is_positive_zero_when_net_effort_is_zero() -> None:
    b = summarize([5, 0, 0, 0, 0, 0, 5], question("1-7", "effort"))
    assert b.net_effort == 0.0
    assert b.net_easy == 0.0
    assert math.copysign(1.0, b.net_easy) == 1.0  # no "-0.0" in the JSON


def test_all_low_effort_gives_net_effort_minus_100() -> None:
    # by hand: index (7·0 + 3·25)/10 = 7.5
    b = summarize([7, 3, 0, 0, 0], question("1-5", "effort"))
    assert (b.net_effort, b.net_easy, b.effort_index) == (-100.0, 100.0, 7.5)


def test_all_high_effort_gives_net_effort_plus_100() -> None:
    b = summarize([0, 0, 0, 0, 0, 0, 0, 0, 0, 9], question("1-10", "effort"))
    assert (b.net_effort, b.effort_index, b.mean) == (100.0, 100.0, 10.0)


# --- empty and tiny samples ---------------------------------------------------------


@pytest.mark.parametrize("scale", ["1-5", "1-7", "1-10", "emoji-3"])
def test_no_answers_gives_none_everywhere(scale: str) -> None:
    q = question(scale, "effort")
    b = summarize([0] * q.k, q)
    assert b.n == 0
    assert b.mean is None
    assert b.ci95 is None
    assert b.effort_groups == {"low": None, "moderate": None, "high": None}
    assert b.net_effort is None
    assert b.net_easy is None
    assert b.effort_index is None
    assert b.effort_index_ci95 is None
    assert b.small_sample is True
    assert b.distribution == dict.fromkeys(q.points, 0)


def test_one_answer_gives_figures_but_no_interval() -> None:
    b = summarize([0, 0, 1, 0, 0], question("1-5", "effort"))
    assert (b.n, b.mean, b.effort_index) == (1, 3.0, 50.0)
    assert b.ci95 is None
    assert b.effort_index_ci95 is None
    assert b.effort_groups == {"low": 0.0, "moderate": 100.0, "high": 0.0}


def test_small_sample_default_threshold_is_30() -> None:
    q = question("1-5", "effort")
    assert DEFAULT_SMALL_SAMPLE == 30
    assert summarize([29, 0, 0, 0, 0], q).small_sample is True
    assert summarize([30, 0, 0, 0, 0], q).small_sample is False


def test_small_sample_threshold_is_configurable() -> None:
    q = question("1-5", "effort")
    assert summarize([20, 0, 0, 0, 0], q, small_sample=20).small_sample is False
    assert summarize([20, 0, 0, 0, 0], q, small_sample=21).small_sample is True
    assert summarize([20, 0, 0, 0, 0], q).small_sample is True


@pytest.mark.parametrize("counts", [[1, 2, 3], [1, 2, 3, 4, 5, 6], [[1, 2, 3, 4, 5]]])
def test_counts_of_the_wrong_shape_are_refused(counts: object) -> None:
    with pytest.raises(ValueError, match="expected 5 counts"):
        summarize(counts, question("1-5", "effort"))  # type: ignore[arg-type]


def test_negative_counts_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        summarize([1, -1, 0, 0, 0], question("1-5", "effort"))


# --- response rate -----------------------------------------------------------------


def wilson_by_hand(x: int, n: int) -> tuple[float, float]:
    """Wilson (1927) score interval, written out; z from the stdlib normal."""
    z = NormalDist().inv_cdf(0.975)
    p = x / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def test_response_rate_with_wilson_interval_by_hand() -> None:
    r = ResponseRate.of(30, 120)
    assert (r.answered, r.invited, r.rate) == (30, 120, 0.25)
    assert r.ci95 == pytest.approx(wilson_by_hand(30, 120), abs=1e-12)


def test_response_rate_81_of_263_matches_newcombe_1998() -> None:
    # Newcombe (1998), Stat. Med. 17:857, Table I, score method: 0.2553–0.3662
    r = ResponseRate.of(81, 263)
    assert r.ci95 == pytest.approx((0.2553, 0.3662), abs=5e-5)


def test_response_rate_without_invitations_is_none() -> None:
    r = ResponseRate.of(0, 0)
    assert (r.rate, r.ci95) == (None, None)


def test_more_answers_than_invitations_is_refused() -> None:
    with pytest.raises(ValueError, match="11 answers for 10 invitations"):
        ResponseRate.of(11, 10)


def test_summarize_attaches_the_response_rate_when_invited_is_given() -> None:
    b = summarize(SEED_000, question("1-7", "effort"), invited=400)
    assert b.response_rate == ResponseRate.of(100, 400)
    assert b.response_rate is not None
    assert b.response_rate.rate == 0.25


def test_summarize_has_no_response_rate_without_invited() -> None:
    assert summarize(SEED_000, question("1-7", "effort")).response_rate is None


# --- pooling on the effort index -------------------------------------------------------

EFFORT_1_5 = [4, 3, 2, 1, 0]  # n = 10
EASE_1_7 = [0, 0, 1, 2, 3, 2, 2]  # n = 10


def test_effort_index_pools_1_5_effort_and_1_7_ease_by_hand() -> None:
    # by hand, per-answer index 100·(e − 1)/(k − 1):
    #   1–5 effort, e = score: 0, 25, 50, 75, 100 → 4·0 + 3·25 + 2·50 + 1·75 = 250
    #   1–7 ease, e = 8 − score: score 3 → 400/6, 4 → 50, 5 → 200/6, 6 → 100/6, 7 → 0
    #     → 1·400/6 + 2·50 + 3·200/6 + 2·100/6 + 2·0 = 1200/6 + 100 = 300
    #   pooled mean = (250 + 300)/20 = 27.5
    b = summarize_effort_index(
        [(question("1-5", "effort"), EFFORT_1_5), (question("1-7", "ease"), EASE_1_7)]
    )
    assert b.n == 20
    assert b.effort_index == pytest.approx(27.5, abs=1e-12)


def test_effort_index_pooled_interval_matches_scipy_on_per_answer_indices() -> None:
    q5, q7 = question("1-5", "effort"), question("1-7", "ease")
    x = np.concatenate([expand(EFFORT_1_5, index_values(q5)), expand(EASE_1_7, index_values(q7))])
    b = summarize_effort_index([(q5, EFFORT_1_5), (q7, EASE_1_7)])
    assert b.effort_index == pytest.approx(float(np.mean(x)), abs=1e-12)
    assert b.effort_index_ci95 == pytest.approx(scipy_t_interval(x), abs=1e-9)


def test_effort_index_pool_has_no_raw_mean_nor_distribution() -> None:
    b = summarize_effort_index(
        [(question("1-5", "effort"), EFFORT_1_5), (question("1-7", "ease"), EASE_1_7)]
    )
    assert b.mean is None
    assert b.ci95 is None
    assert b.distribution is None


def test_effort_index_pool_groups_each_answer_by_its_own_question() -> None:
    # by hand: 1–5 effort low (1–2) 7, moderate (3) 2, high (4–5) 1;
    # 1–7 ease e = 8 − s: low s 6–7 → 4, moderate s 4–5 → 5, high s ≤ 3 → 1
    # pooled 11 / 7 / 2 of 20 → 55 %, 35 %, 10 %; net 10 − 55 = −45
    b = summarize_effort_index(
        [(question("1-5", "effort"), EFFORT_1_5), (question("1-7", "ease"), EASE_1_7)]
    )
    assert b.effort_groups == {"low": 55.0, "moderate": 35.0, "high": 10.0}
    assert b.net_effort == -45.0
    assert b.net_easy == 45.0
    assert b.small_sample is True


def test_effort_index_pool_of_one_question_equals_summarize() -> None:
    q = question("1-7", "effort")
    pooled = summarize_effort_index([(q, SEED_000)])
    alone = summarize(SEED_000, q)
    assert pooled.effort_index == pytest.approx(alone.effort_index, abs=1e-12)
    assert pooled.effort_index_ci95 == pytest.approx(alone.effort_index_ci95, abs=1e-12)
    assert pooled.effort_groups == alone.effort_groups
    assert pooled.net_effort == alone.net_effort


def test_effort_index_pool_of_nothing_is_empty() -> None:
    b = summarize_effort_index([])
    assert (b.n, b.effort_index, b.effort_index_ci95, b.net_effort) == (0, None, None, None)
    assert b.small_sample is True


def test_effort_index_pool_takes_small_sample_and_invited() -> None:
    b = summarize_effort_index(
        [(question("1-5", "effort"), EFFORT_1_5)], small_sample=10, invited=40
    )
    assert b.small_sample is False
    assert b.response_rate == ResponseRate.of(10, 40)


# --- one question only -----------------------------------------------------------------


def test_single_question_is_returned() -> None:
    q = question("1-7", "ease")
    assert single([q, question("1-7", "ease")]) == q


def test_versions_of_one_question_pool() -> None:
    q1 = question("1-7", "ease", version="v1")
    q2 = question("1-7", "ease", version="v2")
    assert single([q1, q2]) is q1


def test_mixed_scales_raise_mixed_questions_error() -> None:
    qs = [question("1-7", "effort"), question("1-5", "effort")]
    with pytest.raises(MixedQuestionsError) as info:
        single(qs)
    assert info.value.questions == qs
    assert "1-5 (effort)" in str(info.value)
    assert "1-7 (effort)" in str(info.value)
    assert "effort index" in str(info.value)


def test_mixed_polarities_raise_mixed_questions_error() -> None:
    with pytest.raises(MixedQuestionsError, match=r"1-7 \(ease\), 1-7 \(effort\)"):
        single([question("1-7", "effort"), question("1-7", "ease")])


def test_mixed_questions_error_is_a_value_error() -> None:
    assert issubclass(MixedQuestionsError, ValueError)
