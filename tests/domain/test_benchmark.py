"""The benchmark's domain: aggregates, the file, the pool, and what is released of it."""

from __future__ import annotations

import copy
import random
from datetime import UTC, date, datetime
from typing import Any

import numpy as np
import pytest
from scipy import stats

from fluide.domain import benchmark as b
from fluide.domain import benchmark_file as bf
from fluide.domain.scales import SCALES, Polarity, Question

Q7 = Question(SCALES["1-7"], Polarity.EASE)
Q5 = Question(SCALES["1-5"], Polarity.EFFORT)
START, END = date(2026, 9, 1), date(2026, 11, 29)


# --- aggregate -----------------------------------------------------------------------------


def test_aggregate_on_hand_computed_answers() -> None:
    # 1-5 effort: index 0, 25, 50, 75, 100; 10 + 10 + 5 + 3 + 2 = 30 answers.
    agg = b.aggregate("payment", [(Q5, [10, 10, 5, 3, 2])], START, END)
    assert agg is not None
    values = [0] * 10 + [25] * 10 + [50] * 5 + [75] * 3 + [100] * 2
    assert agg.answers == 30
    assert agg.mean == pytest.approx(np.mean(values))
    assert agg.sd == pytest.approx(np.std(values, ddof=1))
    # Default groups on 5 points: low 1-2, moderate 3, high 4-5.
    assert agg.groups == {"low": 20, "moderate": 5, "high": 5}


def test_a_category_below_30_answers_is_left_out() -> None:
    assert b.aggregate("payment", [(Q5, [10, 10, 5, 3, 1])], START, END) is None
    found = b.aggregates(
        {"payment": [(Q5, [10, 10, 5, 3, 2])], "login": [(Q5, [29, 0, 0, 0, 0])]}, START, END
    )
    assert [a.category for a in found] == ["payment"]


def test_two_scales_of_one_category_are_pooled_on_the_effort_index_never_raw() -> None:
    # 1-5 effort: 20 answers "1" (index 0) and 10 answers "5" (index 100);
    # 1-7 ease: 30 answers "4" (index 50). Raw means (2.33 and 4) would mean nothing together.
    agg = b.aggregate(
        "payment", [(Q5, [20, 0, 0, 0, 10]), (Q7, [0, 0, 0, 30, 0, 0, 0])], START, END
    )
    assert agg is not None
    values = [0.0] * 20 + [100.0] * 10 + [50.0] * 30
    assert agg.answers == 60
    assert agg.mean == pytest.approx(np.mean(values))  # 41.67
    assert agg.sd == pytest.approx(np.std(values, ddof=1))
    # Each answer in its own question's group: 1-7 ease "4" is moderate (e = 4).
    assert agg.groups == {"low": 20, "moderate": 30, "high": 10}


def test_the_export_document_holds_aggregates_only() -> None:
    agg = b.aggregate("payment", [(Q5, [10, 10, 5, 3, 2])], START, END)
    assert agg is not None
    doc = b.export_document("bc_abcdef0123", datetime(2026, 12, 1, tzinfo=UTC), START, END, [agg])
    assert doc["format"] == "fluide-benchmark/1"
    assert set(doc) == {"format", "contributor", "exported_at", "period", "categories"}
    assert set(doc["categories"]["payment"]) == {"answers", "mean", "sd", "groups", "period"}
    assert bf.read_file(doc).contributions[0].answers == 30


# --- the file, read back ---------------------------------------------------------------------


def _file() -> dict[str, Any]:
    return {
        "format": "fluide-benchmark/1",
        "contributor": "bc_0123456789abcdef",
        "exported_at": "2026-12-01T10:00:00+00:00",
        "period": {"from": "2026-09-01", "to": "2026-11-29"},
        "categories": {
            "payment": {
                "answers": 40,
                "mean": 31.5,
                "sd": 20.0,
                "groups": {"low": 25, "moderate": 10, "high": 5},
                "period": {"from": "2026-09-01", "to": "2026-11-29"},
            }
        },
    }


@pytest.mark.parametrize(
    ("change", "path", "needle"),
    [
        (lambda d: d.update(format="fluide-benchmark/9"), "$.format", "fluide-benchmark/1"),
        (lambda d: d.update(contributor="x"), "$.contributor", "8 to 64"),
        (lambda d: d.update(exported_at="yesterday"), "$.exported_at", "offset"),
        (lambda d: d.update(name="Boutique Durand"), "$.name", "allowed: format"),
        (
            lambda d: d["categories"].update(shopping=d["categories"]["payment"]),
            "$.categories.shopping",
            "payment, login",
        ),
        (
            lambda d: d["categories"]["payment"].update(answers=29),
            "$.categories.payment.answers",
            "from 30",
        ),
        (
            lambda d: d["categories"]["payment"].update(mean=101),
            "$.categories.payment.mean",
            "from 0 to 100",
        ),
        (
            lambda d: d["categories"]["payment"]["groups"].update(high=6),
            "$.categories.payment.groups",
            "add up to 41",
        ),
        (
            lambda d: d["categories"]["payment"]["period"].update(to="2026-08-01"),
            "$.categories.payment.period",
            "after",
        ),
        (
            lambda d: d["categories"]["payment"].update(comment="trop long"),
            "$.categories.payment.comment",
            "unknown key",
        ),
    ],
)
def test_a_bad_file_is_refused_naming_the_json_path_and_what_is_allowed(
    change: Any, path: str, needle: str
) -> None:
    doc = copy.deepcopy(_file())
    change(doc)
    with pytest.raises(bf.FileProblem) as e:
        bf.read_file(doc)
    assert e.value.path == path
    assert needle in str(e.value)


# --- pool ------------------------------------------------------------------------------------


def _c(contributor: str, mean: float, category: str = "payment") -> b.Contribution:
    return b.Contribution(contributor, category, 40, mean)


def test_a_contributor_counts_once_and_the_viewer_never_in_its_own_pool() -> None:
    imported = [_c("bc_a", 10), _c("bc_b", 20), _c("bc_me", 30)]
    live = [_c("bc_a", 12), _c("bc_me", 33)]
    found = b.pool(imported, live, "bc_me")
    assert [(c.contributor, c.mean) for c in found["payment"]] == [("bc_a", 12), ("bc_b", 20)]


# --- release ---------------------------------------------------------------------------------


def test_quantiles_and_percentile_match_numpy_and_scipy() -> None:
    rng = random.Random(3)
    for _ in range(200):
        means = [rng.uniform(0, 100) for _ in range(rng.randint(1, 30))]
        own = rng.choice([*means, rng.uniform(0, 100)])
        for q in (25, 50, 75):
            assert b.quantile(means, q) == pytest.approx(float(np.percentile(means, q)))
        expected = stats.percentileofscore(means, own, kind="weak")
        assert b.percentile_of(means, own) == pytest.approx(expected)


def test_four_contributors_show_no_figure_five_do() -> None:
    four = b.release([20.0, 20.5, 21.0, 21.5], 10.0)
    assert four.contributors == 4
    assert (four.median, four.p25, four.p75, four.percentile) == (None, None, None, None)
    assert four.reason == "not_enough_contributors"
    five = b.release([20.0, 20.5, 21.0, 21.5, 22.0], 10.0)
    assert five.reason is None
    assert (five.median, five.p25, five.p75) == (20.0, 20.0, 20.0)
    assert five.percentile == (0.0, 10.0)  # below every company: the lowest band
    assert five.rounding == {"median": 5, "p25": 5, "p75": 5, "percentile": 10}


def test_a_figure_one_company_could_move_is_withheld_as_unstable() -> None:
    # Spread wide: leaving out the lowest or the highest moves the median by 20 points.
    r = b.release([0.0, 20.0, 40.0, 60.0, 80.0], 50.0)
    assert r.median is None and r.reasons["median"] == "unstable"
    assert r.to_json()["reasons"]["median"] == "unstable"


def _figures(r: b.Release) -> dict[str, Any]:
    return {"median": r.median, "p25": r.p25, "p75": r.p75, "percentile": r.percentile}


def _stat(name: str, means: list[float], own: float) -> float:
    if name == "percentile":
        return b.percentile_of(means, own)
    return b.quantile(means, {"median": 50, "p25": 25, "p75": 75}[name])


def _pools(seed: int, count: int) -> list[tuple[list[float], float]]:
    """Pools of 5 to 15 companies: tight, spread, tied, and with outliers."""
    rng = random.Random(seed)
    out = []
    for i in range(count):
        n = rng.randint(5, 15)
        centre, spread = rng.uniform(5, 95), rng.choice([0.5, 2, 5, 15, 40])
        means = [min(100.0, max(0.0, rng.gauss(centre, spread))) for _ in range(n)]
        if i % 7 == 0:
            means[0] = rng.choice([0.0, 100.0])  # an outlier
        if i % 5 == 0:
            means[1] = means[2]  # a tie
        out.append((means, rng.choice([*means, rng.uniform(0, 100)])))
    return out


def test_every_figure_shown_is_the_same_rounding_of_the_pool_without_any_one_company() -> None:
    """Differencing: what is shown for S equals what S minus c gives at the same rounding,
    for every c; so it depends on the others' data alone."""
    shown = 0
    for means, own in _pools(seed=17, count=400):
        r = b.release(means, own)
        for name, value in _figures(r).items():
            if value is None:
                continue
            shown += 1
            step = r.rounding[name]
            for i in range(len(means)):
                others = means[:i] + means[i + 1 :]
                if name == "percentile":
                    lo = b.band(_stat(name, others, own), step)
                    assert value == (lo, lo + step)
                else:
                    assert value == b.rounded(_stat(name, others, own), step)
    assert shown > 400  # the property was exercised on many published figures


def test_the_median_shift_attack_reveals_nothing() -> None:
    """Five companies are known to the attacker; a sixth file is added. Every figure shown
    with the sixth equals the same rounding of the figure without it: comparing the two
    releases gives no number that depends on the sixth company."""
    rng = random.Random(5)
    tried = 0
    for _ in range(300):
        known = [rng.uniform(10, 60) for _ in range(5)]
        target = rng.uniform(0, 100)
        own = rng.uniform(0, 100)
        before, after = b.release(known, own), b.release([*known, target], own)
        for name, value in _figures(after).items():
            if value is None:
                continue
            tried += 1
            step = after.rounding[name]
            if name == "percentile":
                lo = b.band(_stat(name, known, own), step)
                assert value == (lo, lo + step)
            else:
                assert value == b.rounded(_stat(name, known, own), step)
            if before.rounding.get(name) == step:
                assert _figures(before)[name] == value  # the same figure: nothing learnt
    assert tried > 100


def test_removing_the_one_file_of_a_pool_of_six_reveals_nothing() -> None:
    """The attack the other way: a file is removed from six (five remain)."""
    six = [31.0, 33.0, 34.0, 35.0, 36.0, 95.0]
    with_it, without = b.release(six, 40.0), b.release(six[:-1], 40.0)
    assert with_it.median is not None
    assert with_it.median == without.median == 35.0
