"""Before/after comparison (fluide.domain.compare).

seed 000: "tu testes un correctif, tu remesures ... Puis remesure le CES au
même endroit, sur la même échelle": the same question on both sides compares
raw means; a changed scale or polarity moves to the effort index and says so.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from scipy import stats as sps

from fluide.domain.compare import Side, compare, versions_of
from fluide.domain.notices import Notice
from fluide.domain.scales import SCALES, Polarity, Question
from fluide.domain.stats import cliffs_delta, mann_whitney_p


def question(scale: str = "1-7", polarity: str = "effort", **kw: object) -> Question:
    """Factory: a question on a named scale and polarity."""
    return Question(SCALES[scale], Polarity(polarity), **kw)  # type: ignore[arg-type]


def side(scale: str, polarity: str, counts: Sequence[int], *versions: str) -> Side:
    """Factory: one side of the change date."""
    return Side(question(scale, polarity), list(counts), frozenset(versions))


def expand(counts: Sequence[int], values: Sequence[float]) -> np.ndarray:
    return np.repeat(np.asarray(values, float), np.asarray(counts, dtype=int))


def per_answer_index(q: Question, counts: Sequence[int]) -> np.ndarray:
    """Effort index of every answer, written out: 100·(e − 1)/(k − 1)."""
    return expand(counts, [100.0 * (q.effort_of(p) - 1) / (q.k - 1) for p in q.points])


def codes(notices: list[Notice]) -> list[str]:
    return [n.code for n in notices]


# 1–5 effort, a fix that lowered effort (the module's docstring example)
BEFORE_5 = [0, 10, 20, 40, 30]  # Σ = 20 + 60 + 160 + 150 = 390 → 3.9
AFTER_5 = [20, 40, 20, 10, 10]  # Σ = 20 + 80 + 60 + 40 + 50 = 250 → 2.5


# --- same question: raw means --------------------------------------------------------


def test_same_question_compares_raw_means() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.metric == "mean"
    assert c.before.mean == pytest.approx(3.9)
    assert c.after.mean == pytest.approx(2.5)


def test_diff_is_the_exact_mean_difference() -> None:
    # by hand: 250/100 − 390/100 = −1.4
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.diff_mean == pytest.approx(-1.4, abs=1e-12)


def test_diff_interval_contains_the_difference() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.diff_ci95 is not None
    lo, hi = c.diff_ci95
    assert c.diff_mean is not None
    assert lo < c.diff_mean < hi
    assert hi < 0  # a clear improvement: the whole interval is below 0


def test_p_value_is_the_mann_whitney_p_of_the_counts() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.p_value == mann_whitney_p(BEFORE_5, AFTER_5)
    # scipy.stats.mannwhitneyu(x, y) on the expanded values
    ref = sps.mannwhitneyu(
        expand(BEFORE_5, range(1, 6)), expand(AFTER_5, range(1, 6)), alternative="two-sided"
    ).pvalue
    assert c.p_value == pytest.approx(ref, abs=1e-9)


def test_cliffs_delta_is_negative_when_effort_drops_on_an_effort_scale() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.cliffs_delta == cliffs_delta(BEFORE_5, AFTER_5)
    assert c.cliffs_delta is not None
    assert c.cliffs_delta < 0


def test_after_better_on_an_ease_scale_gives_a_positive_cliffs_delta() -> None:
    before = [10, 10, 20, 20, 20, 10, 10]
    after = [2, 3, 5, 10, 20, 30, 30]  # easier: more 6s and 7s
    c = compare(side("1-7", "ease", before), side("1-7", "ease", after))
    assert c.metric == "mean"
    assert c.cliffs_delta is not None
    assert c.cliffs_delta > 0
    assert c.diff_mean is not None
    assert c.diff_mean > 0
    # Cliff (1993) by brute force over all pairs of expanded values
    x, y = expand(before, range(1, 8)), expand(after, range(1, 8))
    brute = (np.sign(y[None, :] - x[:, None])).sum() / (len(x) * len(y))
    assert c.cliffs_delta == pytest.approx(float(brute), abs=1e-12)


def test_same_question_has_no_warning_with_enough_answers() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.warnings == []


def test_comparison_is_reproducible_and_echoes_resamples_and_seed() -> None:
    a = compare(
        side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5), seed=9, resamples=3000
    )
    b = compare(
        side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5), seed=9, resamples=3000
    )
    assert a.diff_ci95 == b.diff_ci95
    assert (a.resamples, a.seed) == (3000, 9)


def test_comparison_refuses_too_few_resamples() -> None:
    with pytest.raises(ValueError, match="2000"):
        compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5), resamples=100)


def test_blocks_are_the_summaries_of_each_side() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5))
    assert c.before.distribution == {1: 0, 2: 10, 3: 20, 4: 40, 5: 30}
    assert c.after.n == 100
    assert c.after.effort_groups == {"low": 60.0, "moderate": 20.0, "high": 20.0}


# --- warnings ------------------------------------------------------------------------


def test_changed_question_version_is_warned() -> None:
    c = compare(side("1-5", "effort", BEFORE_5, "v1"), side("1-5", "effort", AFTER_5, "v2", "v3"))
    assert c.warnings == [
        Notice("question_version_changed", {"before": ["v1"], "after": ["v2", "v3"]})
    ]
    assert c.metric == "mean"  # same scale and polarity: raw scores still comparable


def test_same_versions_are_not_warned() -> None:
    c = compare(side("1-5", "effort", BEFORE_5, "v1"), side("1-5", "effort", AFTER_5, "v1"))
    assert c.warnings == []


def test_unknown_versions_on_one_side_are_not_warned() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", AFTER_5, "v2"))
    assert c.warnings == []


def test_changed_scale_is_warned() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-7", "effort", [10] * 7))
    assert Notice("scale_changed", {"before": "1-5", "after": "1-7"}) in c.warnings
    assert "polarity_changed" not in codes(c.warnings)


def test_changed_polarity_is_warned_and_moves_to_the_effort_index() -> None:
    c = compare(side("1-7", "effort", [10] * 7), side("1-7", "ease", [10] * 7))
    assert c.warnings == [Notice("polarity_changed", {"before": "effort", "after": "ease"})]
    assert c.metric == "effort_index"


def test_empty_side_is_warned_and_gives_no_difference() -> None:
    c = compare(side("1-5", "effort", [0] * 5), side("1-5", "effort", AFTER_5))
    assert c.warnings == [Notice("empty_side", {"side": "before"})]
    assert c.before.n == 0
    assert (c.diff_mean, c.diff_ci95, c.p_value, c.cliffs_delta) == (None, None, None, None)


def test_empty_after_side_is_warned() -> None:
    c = compare(side("1-5", "effort", BEFORE_5), side("1-5", "effort", [0] * 5))
    assert codes(c.warnings) == ["empty_side"]
    assert c.warnings[0].params == {"side": "after"}


def test_small_sample_sides_are_warned_with_their_n() -> None:
    c = compare(side("1-5", "effort", [1, 2, 3, 2, 1]), side("1-5", "effort", [4, 3, 2, 1, 0]))
    assert c.warnings == [
        Notice("small_sample_side", {"side": "before", "n": 9}),
        Notice("small_sample_side", {"side": "after", "n": 10}),
    ]


def test_small_sample_threshold_is_passed_through() -> None:
    c = compare(
        side("1-5", "effort", [1, 2, 3, 2, 1]),  # n = 9
        side("1-5", "effort", [4, 3, 2, 1, 0]),  # n = 10
        small_sample=10,
    )
    assert c.warnings == [Notice("small_sample_side", {"side": "before", "n": 9})]
    assert (c.before.small_sample, c.after.small_sample) == (True, False)


# --- different scales: the effort index ------------------------------------------------

EFFORT_1_5 = [4, 3, 2, 1, 0]  # n = 10
EASE_1_7 = [0, 0, 1, 2, 3, 2, 2]  # n = 10


def test_different_scales_compare_on_the_effort_index() -> None:
    c = compare(side("1-5", "effort", EFFORT_1_5), side("1-7", "ease", EASE_1_7))
    assert c.metric == "effort_index"
    assert codes(c.warnings) == [
        "scale_changed",
        "polarity_changed",
        "small_sample_side",
        "small_sample_side",
    ]
    assert c.before.mean is None
    assert c.after.distribution is None


def test_different_scales_diff_is_computed_on_the_index_by_hand() -> None:
    # by hand: before 1–5 effort, index 0, 25, 50, 75, 100:
    #   (4·0 + 3·25 + 2·50 + 1·75)/10 = 250/10 = 25
    # after 1–7 ease, index of score s = 100·(7 − s)/6:
    #   (1·400/6 + 2·300/6 + 3·200/6 + 2·100/6 + 2·0)/10 = (1800/6)/10 = 30
    c = compare(side("1-5", "effort", EFFORT_1_5), side("1-7", "ease", EASE_1_7))
    assert c.before.effort_index == pytest.approx(25.0, abs=1e-12)
    assert c.after.effort_index == pytest.approx(30.0, abs=1e-12)
    assert c.diff_mean == pytest.approx(30.0 - 25.0, abs=1e-6)
    assert c.diff_ci95 is not None
    assert c.diff_mean is not None
    assert c.diff_ci95[0] < c.diff_mean < c.diff_ci95[1]


def test_different_scales_p_value_and_delta_match_scipy_on_per_answer_indices() -> None:
    x = per_answer_index(question("1-5", "effort"), EFFORT_1_5)
    y = per_answer_index(question("1-7", "ease"), EASE_1_7)
    c = compare(side("1-5", "effort", EFFORT_1_5), side("1-7", "ease", EASE_1_7))
    # scipy.stats.mannwhitneyu(x, y) on the expanded per-answer indices
    ref = sps.mannwhitneyu(x, y, alternative="two-sided").pvalue
    assert c.p_value == pytest.approx(ref, abs=1e-9)
    brute = np.sign(y[None, :] - x[:, None]).sum() / (len(x) * len(y))
    assert c.cliffs_delta == pytest.approx(float(brute), abs=1e-12)


def test_on_the_effort_index_less_effort_after_gives_a_negative_delta() -> None:
    # the index grows with effort: an improvement after the change is below 0
    c = compare(
        side("1-5", "effort", [0, 0, 5, 20, 20]), side("1-7", "ease", [0, 0, 0, 5, 10, 20, 20])
    )
    assert c.metric == "effort_index"
    assert c.diff_mean is not None
    assert c.diff_mean < 0
    assert c.cliffs_delta is not None
    assert c.cliffs_delta < 0


def test_same_answers_on_mirrored_polarities_show_no_change() -> None:
    # 1–7 effort scores s and 1–7 ease scores 8 − s are the same efforts
    effort = [5, 10, 20, 30, 20, 10, 5]
    c = compare(side("1-7", "effort", effort), side("1-7", "ease", effort[::-1]))
    assert c.metric == "effort_index"
    assert c.diff_mean == pytest.approx(0.0, abs=1e-9)
    assert c.cliffs_delta == 0.0
    assert c.p_value == 1.0


# --- versions_of -----------------------------------------------------------------------


def test_versions_of_drops_missing_labels() -> None:
    assert versions_of(["v1", None, "", "v2", "v1"]) == frozenset({"v1", "v2"})
    assert versions_of([None, None]) == frozenset()
