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
    """At « payer », 20 answers with a baseline of (3 × 70 + 8 × 50 + 9 × 2) / 20 = 31.4.

    ``payment``: 3 answers at 70, gap +38.6, share 0.15, impact × volume = 0.0579;
    ``delay``: 8 answers at 50, gap +18.6, share 0.4, impact × volume = 0.0744.
    Two frictions only: too few to estimate their spread, so neither is shrunk.
    """
    return [
        *[row("payer", 70, "payment") for _ in range(3)],
        *[row("payer", 50, "delay") for _ in range(8)],
        *[row("payer", 2) for _ in range(9)],
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
    assert [(i.tag, i.rank) for i in default] == [("delay", 1), ("payment", 2)]
    assert [(i.effort_gap, i.share) for i in default] == [
        pytest.approx((18.6, 0.4)),
        pytest.approx((38.6, 0.15)),
    ]
    assert [i.score for i in default] == pytest.approx([0.186 * 0.4 * 0.6, 0.386 * 0.15 * 0.6])
    moved = rank_backlog(rows, {("payer", "payment"): 5, ("payer", "delay"): 2}).items
    assert [(i.tag, i.rank, i.feasibility) for i in moved] == [
        ("payment", 1, 5),
        ("delay", 2, 2),
    ]
    assert [i.score for i in moved] == pytest.approx([0.386 * 0.15 * 1.0, 0.186 * 0.4 * 0.4])


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


Z95 = 1.959963984540054  # the normal 97.5 % quantile


def three_touchpoints(thin: list[TaggedAnswer] | None = None) -> list[TaggedAnswer]:
    """Three frictions whose shrinkage is worked by hand in the tests below.

    - « a »: ``x`` on one answer at 100, four others at 50: baseline 60, gap +40, share 1/5;
    - « b »: ``y`` on 30, 30, 60, 60 (mean 45, variance 300), four others at 5:
      baseline 200 / 8 = 25, gap +20, share 1/2;
    - « c »: ``z`` on 10, 10, 40, 40 (mean 25, variance 300), four others at 5:
      baseline 120 / 8 = 15, gap +10, share 1/2.
    """
    a = thin if thin is not None else [row("a", 100, "x"), *[row("a", 50)] * 4]
    b = [row("b", e, "y") for e in (30, 30, 60, 60)] + [row("b", 5)] * 4
    c = [row("c", e, "z") for e in (10, 10, 40, 40)] + [row("c", 5)] * 4
    return a + b + c


def test_gaps_are_shrunk_towards_zero_by_hand() -> None:
    # Fewer than ten answers each: every friction uses the pooled variance
    # (3 × 300 + 3 × 300) / 6 = 300, so v = 300 / n = 300, 75, 75.
    # τ² = (Σ g²/v − k) / Σ 1/v = (1600/300 + 400/75 + 100/75 − 3) / (1/300 + 2/75)
    #    = (12 − 3) / 0.03 = 300;  w = τ² / (τ² + v) = 0.5, 0.8, 0.8;
    # shrunk gaps 20, 16, 8; intervals w·g ± z √(w v) = 20 ± z √150, 16 ± z √60, 8 ± z √60.
    # scores (impact × share × 0.6): y 0.16 × 0.5 × 0.6 = 0.048, z 0.024, x 0.2 × 0.2 × 0.6
    # = 0.024, x last: one comment is not enough for the top.
    result = rank_backlog(three_touchpoints())
    assert result.shrinkage == "shrunk"
    assert result.tau2 == pytest.approx(300.0, abs=1e-9)
    by_tag = {i.tag: i for i in result.items}
    expected = {
        "x": (40.0, 0.5, 20.0, 150.0),
        "y": (20.0, 0.8, 16.0, 60.0),
        "z": (10.0, 0.8, 8.0, 60.0),
    }
    for tag, (gap, w, shrunk, post_var) in expected.items():
        item = by_tag[tag]
        assert item.effort_gap == pytest.approx(gap, abs=1e-9)
        assert item.shrinkage_weight == pytest.approx(w, abs=1e-9)
        assert item.shrunk_gap == pytest.approx(shrunk, abs=1e-9)
        half = Z95 * post_var**0.5
        assert item.shrunk_gap_ci == pytest.approx((shrunk - half, shrunk + half), abs=1e-9)
        assert item.impact == pytest.approx(shrunk / 100, abs=1e-12)
    assert [(i.tag, i.rank) for i in result.items] == [("y", 1), ("z", 2), ("x", 3)]
    assert [i.score for i in result.items] == pytest.approx([0.048, 0.024, 0.024], abs=1e-12)
    assert by_tag["y"].expected_gain == pytest.approx(0.5 * 16, abs=1e-9)
    assert by_tag["x"].gap_ci is None  # the raw gap's interval is kept, here none on 1 answer
    assert by_tag["x"].uncertain and not by_tag["y"].uncertain


def test_a_friction_with_fewer_than_three_comments_comes_after_the_others() -> None:
    # « a » is now one comment at 100 beside one answer at 0: gap +50, share 1/2.
    # τ² = (2500/300 + 400/75 + 100/75 − 3) / 0.03 = (15 − 3) / 0.03 = 400;
    # w = 400/700, 400/475, 400/475: x keeps 28.57 points, the best score
    # (0.2857 × 0.5 × 0.6 = 0.0857 against y's 0.1684 × 0.5 × 0.6 = 0.0505), yet ranks last.
    thin = [row("a", 100, "x"), row("a", 0)]
    result = rank_backlog(three_touchpoints(thin))
    assert result.tau2 == pytest.approx(400.0, abs=1e-9)
    x = next(i for i in result.items if i.tag == "x")
    assert x.shrunk_gap == pytest.approx(50 * 4 / 7, abs=1e-9)
    assert x.score == pytest.approx(50 * 4 / 7 / 100 * 0.5 * 0.6, abs=1e-12)
    assert x.score > max(i.score for i in result.items if i.tag != "x")
    assert [(i.tag, i.eligible_for_top) for i in result.items] == [
        ("y", True),
        ("z", True),
        ("x", False),
    ]
    assert backlog.MIN_TOP_COMMENTS == 3


def test_tags_on_exactly_the_same_comments_are_one_row() -> None:
    # The demo's case: one comment at « annuler » tagged twice is one piece of evidence.
    rows = [row("annuler", 100, "recontact", "outage"), row("annuler", 0)]
    [item] = rank_backlog(rows).items
    assert (item.tag, item.also_tags, item.n) == ("outage", ("recontact",), 1)
    assert item.to_json()["also_tags"] == ["recontact"]
    # The tag the team finds easier to fix leads the row.
    [item] = rank_backlog(rows, {("annuler", "recontact"): 5}).items
    assert (item.tag, item.also_tags, item.feasibility) == ("recontact", ("outage",), 5)
    with pytest.raises(ValueError, match="1 to 5"):
        rank_backlog(rows, {("annuler", "recontact"): 9})


def test_an_answer_under_two_tags_counts_in_each_when_their_comments_differ() -> None:
    rows = [
        row("payer", 100, "delay", "recontact"),
        row("payer", 80, "recontact"),
        row("payer", 0),
        row("payer", 0),
    ]
    items = {i.tag: i for i in rank_backlog(rows).items}
    assert (items["delay"].n, items["recontact"].n) == (1, 2)
    assert items["delay"].also_tags == items["recontact"].also_tags == ()


def test_json_adds_the_evidence_keys() -> None:
    out = rank_backlog(three_touchpoints()).items[0].to_json()
    assert out["tag"] == "y"
    assert out["shrunk_gap"] == pytest.approx(16.0)
    assert out["shrunk_gap_ci"] == pytest.approx([16 - Z95 * 60**0.5, 16 + Z95 * 60**0.5])
    assert out["shrinkage_weight"] == pytest.approx(0.8)
    assert (out["n_comments"], out["eligible_for_top"], out["also_tags"]) == (4, True, [])
    assert out["uncertain"] is False
    assert out["effort_gap"] == pytest.approx(20.0)  # the raw gap stays
    assert out["impact"] == pytest.approx(out["shrunk_gap"] / 100)


def test_a_period_without_answers_has_an_empty_backlog() -> None:
    result = rank_backlog([])
    assert (result.items, result.not_frictions, result.tau2) == ([], 0, None)


def test_the_same_answers_in_any_order_give_the_same_backlog_to_the_last_digit() -> None:
    # SQLite and PostgreSQL return rows in different orders; float sums depend on it.
    import random

    rng = random.Random(3)
    efforts = [0.0, 100 / 6, 100 / 3, 50.0, 200 / 3, 500 / 6, 100.0]
    answers = [
        row(
            rng.choice(["payer", "annuler"]),
            rng.choice(efforts),
            *rng.sample(["payment", "login", "delay", "bug"], rng.choice([0, 1, 1, 2])),
            at=f"2026-11-{1 + i % 20:02d}T10:00:00+01:00",
        )
        for i in range(80)
    ]
    first = rank_backlog(answers)
    for _ in range(10):
        rng.shuffle(answers)
        again = rank_backlog(answers)
        assert [i.to_json() for i in again.items] == [i.to_json() for i in first.items]
        assert again.shrinkage_json() == first.shrinkage_json()
