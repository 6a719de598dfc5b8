"""The frictions backlog's scoring, against hand-computed values and SciPy."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from scipy import stats

from fluide.domain import backlog
from fluide.domain.backlog import check_feasibility, rank_backlog, welch_interval
from fluide.domain.frictions import TaggedAnswer

AT = "2026-11-20T10:00:00+01:00"


def row(
    tp: str | None,
    effort: float,
    *tags: str,
    comment: str | None = "un commentaire",
    count: int = 1,
    at: str = AT,
) -> TaggedAnswer:
    return TaggedAnswer(tp, "", effort, tags, comment if tags else None, at, 4, count)


def two_frictions() -> list[TaggedAnswer]:
    """At « payer », 20 answers with a baseline of (2 × 90 + 8 × 50 + 10 × 2) / 20 = 30.

    ``payment``: 2 answers at 90, gap +60, share 0.1, impact × volume = 0.06;
    ``delay``: 8 answers at 50, gap +20, share 0.4, impact × volume = 0.08.
    """
    return [
        *[row("payer", 90, "payment") for _ in range(2)],
        *[row("payer", 50, "delay") for _ in range(8)],
        *[row("payer", 2) for _ in range(10)],
    ]


def test_docstring_examples() -> None:
    assert doctest.testmod(backlog).failed == 0


def test_worked_example_by_hand() -> None:
    # Baseline (100 + 50 + 0 + 10) / 4 = 40; payment: mean 75, gap 35, share 1/2.
    rows = [
        row("payer", 100, "payment"),
        row("payer", 50, "payment"),
        row("payer", 0, comment=None),
        row("payer", 10, comment=None),
    ]
    [item] = rank_backlog(rows, {("payer", "payment"): 4}).items
    assert item.baseline == 40 and item.mean_effort_index == 75
    assert item.effort_gap == 35 and item.n == 2 and item.answers == 4
    assert item.impact == pytest.approx(0.35)
    assert item.volume == pytest.approx(0.5)
    assert item.feasibility_factor == pytest.approx(0.8)
    assert item.score == pytest.approx(0.35 * 0.5 * 0.8)
    assert item.expected_gain == pytest.approx(17.5)
    assert item.rank == 1 and item.small_sample


def test_feasibility_changes_the_ranking() -> None:
    rows = two_frictions()
    default = rank_backlog(rows).items
    assert [(i.tag, i.rank, i.effort_gap, i.share) for i in default] == [
        ("delay", 1, 20.0, 0.4),
        ("payment", 2, 60.0, 0.1),
    ]
    assert [i.score for i in default] == pytest.approx([0.2 * 0.4 * 0.6, 0.6 * 0.1 * 0.6])
    moved = rank_backlog(rows, {("payer", "payment"): 5, ("payer", "delay"): 2}).items
    assert [(i.tag, i.rank, i.feasibility) for i in moved] == [
        ("payment", 1, 5),
        ("delay", 2, 2),
    ]
    assert [i.score for i in moved] == pytest.approx([0.6 * 0.1 * 1.0, 0.2 * 0.4 * 0.4])


def test_equal_scores_rank_the_larger_volume_first() -> None:
    rows = [row("a", 100, "x"), row("a", 0)] + [row("b", 100, "y")] * 2 + [row("b", 0)] * 2
    items = rank_backlog(rows).items
    assert items[0].score == items[1].score
    assert [(i.tag, i.n) for i in items] == [("y", 2), ("x", 1)]


def test_each_touchpoint_has_its_own_baseline_and_denominator() -> None:
    rows = [
        row("payer", 60, "payment"),
        row("payer", 0, comment=None),
        row("support", 90, "payment"),
        *[row("support", 60, comment=None) for _ in range(3)],
    ]
    items = {i.touchpoint: i for i in rank_backlog(rows).items}
    # payer: baseline 30, gap 30, share 1/2; support: baseline 67.5, gap 22.5, share 1/4.
    assert items["payer"].effort_gap == 30 and items["payer"].share == 0.5
    assert items["support"].effort_gap == 22.5 and items["support"].share == 0.25
    assert [i.touchpoint for i in rank_backlog(rows).items] == ["payer", "support"]


def test_a_tag_costing_no_extra_effort_is_counted_not_ranked() -> None:
    rows = [
        row("payer", 0, "praise"),
        row("payer", 50, comment=None),
        row("payer", 50, "delay"),
        row("payer", 50, comment=None),
    ]
    result = rank_backlog(rows)
    # Baseline 37.5: delay +12.5 is a friction; praise −37.5 is not.
    assert [i.tag for i in result.items] == ["delay"]
    assert result.not_frictions == 1


def test_a_tag_counts_once_per_answer_and_count_weighs_like_repeated_rows() -> None:
    grouped = [row("payer", 80, "payment", "payment", count=3), row("payer", 20, count=5)]
    expanded = [row("payer", 80, "payment") for _ in range(3)] + [
        row("payer", 20) for _ in range(5)
    ]
    a, b = rank_backlog(grouped).items[0], rank_backlog(expanded).items[0]
    assert (a.n, a.answers, a.effort_gap) == (b.n, b.answers, b.effort_gap) == (3, 8, 37.5)
    assert a.gap_ci == b.gap_ci


def test_gap_interval_is_welch_scaled_by_the_share_of_other_answers() -> None:
    rng = np.random.default_rng(7)
    tagged = rng.choice([50.0, 100.0 * 5 / 6, 100.0], size=9)
    other = rng.choice([0.0, 100 / 6, 50.0], size=31)
    rows = [row("payer", float(e), "payment") for e in tagged] + [
        row("payer", float(e), comment=None) for e in other
    ]
    [item] = rank_backlog(rows).items
    share = 9 / 40
    assert item.effort_gap == pytest.approx((1 - share) * (tagged.mean() - other.mean()))
    ci = stats.ttest_ind(tagged, other, equal_var=False).confidence_interval(0.95)
    assert item.gap_ci == pytest.approx(((1 - share) * ci.low, (1 - share) * ci.high))


def test_welch_interval_matches_scipy() -> None:
    a = np.array([10.0, 20, 20, 35, 90, 100])
    b = np.array([0.0, 0, 5, 10, 40, 0, 0, 15, 25])
    ci = stats.ttest_ind(a, b, equal_var=False).confidence_interval(0.95)
    got = welch_interval((6, a.mean(), a.var(ddof=1)), (9, b.mean(), b.var(ddof=1)))
    assert got == pytest.approx((ci.low, ci.high))


def test_no_interval_below_two_answers_on_a_side() -> None:
    one = rank_backlog([row("payer", 100, "payment"), row("payer", 0), row("payer", 0)])
    assert one.items[0].gap_ci is None
    assert welch_interval((1, 5.0, 0.0), (5, 1.0, 1.0)) is None


def test_no_spread_gives_a_point_interval() -> None:
    rows = [row("payer", 100, "payment")] * 2 + [row("payer", 0)] * 2
    [item] = rank_backlog(rows).items
    assert item.gap_ci == (50.0, 50.0)


def test_small_sample_flag_below_five_answers() -> None:
    rows = [row("payer", 100, "a")] * 4 + [row("payer", 100, "b")] * 5 + [row("payer", 0)] * 20
    flags = {i.tag: i.small_sample for i in rank_backlog(rows).items}
    assert flags == {"a": True, "b": False}


def test_two_representative_verbatims_of_their_own_touchpoint() -> None:
    rows = [
        row("payer", 100, "payment", comment="Carte refusée"),
        row("payer", 100, "payment", comment="carte REFUSÉE !"),
        row("payer", 80, "payment", comment="Débité deux fois"),
        row("payer", 60, "payment", comment="Trop long"),
        row("payer", 0),
        row("support", 100, "payment", comment="Le support ne répond pas"),
        row("support", 0),
    ]
    items = {i.touchpoint: i for i in rank_backlog(rows).items}
    assert [v.comment for v in items["payer"].verbatims] == ["Carte refusée", "Débité deux fois"]
    assert [v.comment for v in items["support"].verbatims] == ["Le support ne répond pas"]


def test_answers_without_touchpoint_are_left_out() -> None:
    rows = [row(None, 100, "payment"), row("payer", 100, "payment"), row("payer", 0)]
    [item] = rank_backlog(rows).items
    assert item.answers == 2


@pytest.mark.parametrize("bad", [0, 6, -1, True])
def test_feasibility_outside_one_to_five_is_refused(bad: int) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        check_feasibility(bad)
    with pytest.raises(ValueError, match="1 to 5"):
        rank_backlog([row("payer", 100, "x"), row("payer", 0)], {("payer", "x"): bad})


def test_json_gives_the_three_factors_and_the_figures_behind_them() -> None:
    out = rank_backlog(two_frictions()).items[0].to_json()
    assert {
        "impact",
        "volume",
        "feasibility",
        "feasibility_factor",
        "score",
        "effort_gap",
        "gap_ci",
        "share",
        "n",
        "answers",
        "baseline",
        "expected_gain",
        "small_sample",
        "verbatims",
    } <= set(out)
    assert out["score"] == pytest.approx(out["impact"] * out["volume"] * out["feasibility_factor"])
