"""LMG against a brute force over every ordering; R² against scikit-learn."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression

from fluide.domain import drivers as dd


def one_hot(values: list[str]) -> np.ndarray:
    levels = sorted(set(values))
    return np.array([[v == lv for lv in levels[1:]] for v in values], dtype=float).reshape(
        len(values), len(levels) - 1
    )


def r2_rows(y: np.ndarray, feats: dict[str, list[str]], names: tuple[str, ...]) -> float:
    """OLS on the rows themselves (intercept + one-hot), by lstsq."""
    x = np.column_stack([np.ones(len(y)), *[one_hot(feats[f]) for f in names]])
    coef = np.linalg.lstsq(x, y, rcond=None)[0]
    sse = float(((y - x @ coef) ** 2).sum())
    return 1 - sse / float(((y - y.mean()) ** 2).sum())


def data(seed: int, n: int, p: int) -> tuple[np.ndarray, dict[str, list[str]]]:
    rng = np.random.default_rng(seed)
    feats = {
        f"f{j}": [["", "a", "b", "c"][int(x)] for x in rng.integers(0, 2 + j % 3, n)]
        for j in range(p)
    }
    y = rng.integers(1, 8, n).astype(float)
    y += 2 * (np.array(feats["f0"]) == "a") + (np.array(feats[f"f{p - 1}"]) == "")
    return np.clip(y, 1, 7), feats


@pytest.mark.parametrize(("seed", "p"), [(1, 1), (2, 2), (3, 3), (4, 4)])
def test_lmg_is_the_mean_r2_added_over_every_ordering(seed: int, p: int) -> None:
    y, feats = data(seed, 300, p)
    names = list(feats)
    brute = dict.fromkeys(names, 0.0)
    orders = list(itertools.permutations(names))
    for order in orders:
        before = 0.0
        for i, f in enumerate(order):
            after = r2_rows(y, feats, tuple(order[: i + 1]))
            brute[f] += (after - before) / len(orders)
            before = after
    got = dd.drivers(y, feats, resamples=20)
    assert {d.feature: d.lmg for d in got.drivers} == pytest.approx(brute, abs=1e-9)
    assert got.r2 == pytest.approx(r2_rows(y, feats, tuple(names)), abs=1e-9)


def test_r2_matches_scikit_learn() -> None:
    y, feats = data(9, 500, 3)
    x = np.column_stack([one_hot(feats[f]) for f in feats])
    ref = LinearRegression().fit(x, y).score(x, y)
    assert dd.drivers(y, feats, resamples=0).r2 == pytest.approx(ref, abs=1e-9)


def test_one_hot_leaves_out_the_first_sorted_level_the_empty_value_first() -> None:
    codes, levels = dd.encode(["web", "", "app", "web"])
    assert levels == ["", "app", "web"] and codes.tolist() == [2, 0, 1, 2]
    c = dd.cells_of([codes], [3])
    # The empty value is the reference: its cell has no column set.
    empty_cell = c.cell[1]
    assert c.x[empty_cell].tolist() == [0.0, 0.0]
    assert c.x.shape[1] == 2


def test_shares_sum_to_one_and_drivers_are_sorted_by_lmg() -> None:
    y, feats = data(5, 400, 4)
    got = dd.drivers(y, feats, resamples=50)
    assert sum(d.share or 0 for d in got.drivers) == pytest.approx(1.0)
    lmgs = [d.lmg for d in got.drivers]
    assert lmgs == sorted(lmgs, reverse=True)
    for d in got.drivers:
        assert d.ci95 is not None and d.ci95[0] <= d.ci95[1]


def test_bootstrap_is_seeded_and_its_fast_fits_agree_with_lstsq() -> None:
    y, feats = data(6, 300, 3)
    a = dd.drivers(y, feats, resamples=30, seed=3)
    b = dd.drivers(y, feats, resamples=30, seed=3)
    assert a == b
    enc = [dd.encode(feats[f]) for f in feats]
    c = dd.cells_of([x for x, _ in enc], [len(lv) for _, lv in enc])
    s = dd._stats(c.cell, y, len(c.x))
    assert dd._r2_subsets_batched(c, *s) == pytest.approx(dd.r2_subsets(c, *s), abs=1e-9)


def test_a_constant_effort_explains_nothing() -> None:
    got = dd.drivers([3.0] * 10, {"f": ["a", "b"] * 5}, resamples=5)
    assert got.r2 == 0.0 and got.drivers[0].share is None


def test_more_than_ten_features_are_refused() -> None:
    with pytest.raises(dd.TooManyFeatures):
        dd.drivers([1.0, 2.0], {f"f{j}": ["a", "b"] for j in range(11)})


def test_resamples_shrink_for_large_data_but_not_below_fifty() -> None:
    assert dd.resamples_for(1_000, 30, 3, 6) == 1000
    assert dd.resamples_for(100_000, 95_000, 10, 30) == 50


def test_a_duplicated_feature_shares_its_lmg_equally_in_every_fit() -> None:
    y, feats = data(8, 300, 2)
    feats["copy"] = list(feats["f0"])
    got = {d.feature: d for d in dd.drivers(y, feats, resamples=40).drivers}
    assert got["f0"].lmg == pytest.approx(got["copy"].lmg, abs=1e-9)
    assert got["f0"].ci95 == pytest.approx(got["copy"].ci95, abs=1e-9)
    enc = [dd.encode(feats[f]) for f in feats]
    c = dd.cells_of([x for x, _ in enc], [len(lv) for _, lv in enc])
    s = dd._stats(c.cell, y, len(c.x))
    assert dd._r2_subsets_batched(c, *s) == pytest.approx(dd.r2_subsets(c, *s), abs=1e-9)
