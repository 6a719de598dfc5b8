"""What makes effort high: relative importance of categorical features by LMG (no I/O).

The target is the effort-oriented score ``e`` (low is good), one row per
answer. Each feature is one-hot encoded with its first level (sorted; the
empty value is a level of its own and sorts first) left out, plus an
intercept; the model is ordinary least squares. LMG (Lindeman–Merenda–Gold)
gives each feature the mean, over all orderings of the features, of the R²
it adds when it enters: the Shapley decomposition of R², exact here since the
R² of every subset (2^p fits, p ≤ 10) is computed once.

Rows with the same levels on every feature share one design row, so the fits
run on these cells (weighted by their counts: the same OLS as on the rows).

>>> e = [1, 1, 2, 2, 5, 5, 6, 6]
>>> d = drivers(e, {"channel": ["web", "web", "web", "web", "phone", "phone", "phone", "phone"],
...                 "day": ["mon", "tue", "mon", "tue", "mon", "tue", "mon", "tue"]})
>>> round(d.r2, 4), [(x.feature, round(x.lmg, 4), round(x.share, 4)) for x in d.drivers]
(0.9412, [('channel', 0.9412, 1.0), ('day', 0.0, 0.0)])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

MAX_FEATURES = 10
RESAMPLES = 1000
MIN_RESAMPLES = 50
WORK_BUDGET = 100_000_000
"""Resamples × work of one resample (rows + cells·p² + 2^p·columns²): large data get fewer."""

DENSE_WORK = 2_000_000
"""Cells × columns² up to which X'WX is one dense product rather than bincounts."""

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]


class TooManyFeatures(ValueError):
    """More features than the exact LMG computation allows."""


def resamples_for(n: int, cells: int, p: int, columns: int) -> int:
    """Bootstrap resamples: 1000, fewer (not under 50) when one resample is costly.

    >>> resamples_for(2_000, 27, 3, 6), resamples_for(100_000, 95_000, 10, 30)
    (1000, 50)
    """
    work = n + cells * p * p + (1 << p) * columns * columns
    return max(MIN_RESAMPLES, min(RESAMPLES, WORK_BUDGET // max(1, work)))


def encode(values: Sequence[str]) -> tuple[I64, list[str]]:
    """Level codes in sorted order (the empty value first) and the levels.

    >>> encode(["b", "", "a", "b"])
    (array([2, 0, 1, 2]), ['', 'a', 'b'])
    """
    levels = sorted(set(values))
    index = {v: i for i, v in enumerate(levels)}
    return np.array([index[v] for v in values], dtype=np.int64), levels


@dataclass(frozen=True)
class Cells:
    """The distinct design rows (no intercept), and each row's cell."""

    x: F64  # cells × columns, the one-hot columns of every feature
    blocks: list[NDArray[np.intp]]  # the columns of each feature
    cell: I64  # row -> cell
    codes: I64  # cells × features: each cell's level of each feature
    levels: tuple[int, ...]  # levels of each feature


def cells_of(codes: Sequence[I64], n_levels: Sequence[int]) -> Cells:
    stacked = np.stack(codes, axis=1) if codes else np.zeros((0, 0), dtype=np.int64)
    uniq, cell = np.unique(stacked, axis=0, return_inverse=True)
    columns: list[F64] = []
    blocks: list[NDArray[np.intp]] = []
    for j, k in enumerate(n_levels):
        start = len(columns)
        for level in range(1, k):  # level 0 (first in sorted order) is left out
            columns.append((uniq[:, j] == level).astype(np.float64))
        blocks.append(np.arange(start, len(columns), dtype=np.intp))
    x = np.stack(columns, axis=1) if columns else np.zeros((len(uniq), 0))
    return Cells(
        x=x,
        blocks=blocks,
        cell=np.asarray(cell, dtype=np.int64).reshape(-1),
        codes=np.asarray(uniq, dtype=np.int64).reshape(len(uniq), len(n_levels)),
        levels=tuple(n_levels),
    )


@functools.cache
def _masks(p: int) -> tuple[I64, list[NDArray[np.intp]]]:
    masks = np.arange(1 << p, dtype=np.int64)
    return masks, [np.flatnonzero(masks & (1 << j)) for j in range(p)]


def _normal(c: Cells, count: F64, total: F64, total_sq: F64) -> tuple[F64, F64, float]:
    """Centred cross-products of the design and ``e``: X'X, X'e and the total sum of squares.

    ``count``, ``total``, ``total_sq``: per cell, the rows, Σe and Σe². The
    intercept is taken out by centring, so a subset's fit only needs its block.
    """
    n = float(count.sum())
    if n == 0:
        return np.zeros((c.x.shape[1], c.x.shape[1])), np.zeros(c.x.shape[1]), 0.0
    mean = float(total.sum()) / n
    sst = float(total_sq.sum()) - n * mean * mean
    if sst <= 1e-12 * max(1.0, float(total_sq.sum())):
        sst = 0.0  # a constant target: nothing to explain
    m = c.x.shape[1]
    if len(c.x) * m * m <= DENSE_WORK:
        # Few cells: the dense product is cheapest. Counts and sums of integer-valued
        # scores are exact in floating point, so both ways give the same numbers.
        xw = c.x * count[:, None]
        sums = xw.sum(axis=0)
        gram = c.x.T @ xw - np.outer(sums, sums) / n
        return gram, c.x.T @ total - sums * mean, sst
    # One-hot columns: X'WX is a table of co-occurrence counts, one bincount
    # per pair of features (much cheaper than a dense product over many cells).
    sums = np.zeros(m)
    xy = np.zeros(m)
    raw = np.zeros((m, m))
    by_feature = [np.ascontiguousarray(c.codes[:, j]) for j in range(len(c.levels))]
    for j, kj in enumerate(c.levels):
        cj = by_feature[j]
        sums[c.blocks[j]] = np.bincount(cj, weights=count, minlength=kj)[1:]
        xy[c.blocks[j]] = np.bincount(cj, weights=total, minlength=kj)[1:]
        for k in range(j, len(c.levels)):
            kk = c.levels[k]
            t = np.bincount(cj * kk + by_feature[k], weights=count, minlength=kj * kk)
            block = t.reshape(kj, kk)[1:, 1:]
            raw[np.ix_(c.blocks[j], c.blocks[k])] = block
            raw[np.ix_(c.blocks[k], c.blocks[j])] = block.T
    gram = raw - np.outer(sums, sums) / n
    cross = xy - sums * mean
    return gram, cross, sst


def r2_subsets(c: Cells, count: F64, total: F64, total_sq: F64) -> F64:
    """R² of the OLS fit on every subset of features (index = bit mask), by ``lstsq``.

    Each subset solves its block of the normal equations with
    ``numpy.linalg.lstsq`` (the minimum-norm solution when levels are
    collinear); R² = explained / total sum of squares.
    """
    p = len(c.blocks)
    out = np.zeros(1 << p)
    gram, cross, sst = _normal(c, count, total, total_sq)
    if sst == 0.0:
        return out
    for mask in range(1, 1 << p):
        cols = np.concatenate([c.blocks[j] for j in range(p) if mask & (1 << j)])
        if not len(cols):
            continue
        coef = np.linalg.lstsq(gram[np.ix_(cols, cols)], cross[cols], rcond=None)[0]
        out[mask] = min(1.0, max(0.0, float(cross[cols] @ coef) / sst))
    return out


def _r2_subsets_batched(c: Cells, count: F64, total: F64, total_sq: F64) -> F64:
    """The same R² for every subset at once (one stacked pseudo-inverse), for the bootstrap."""
    p = len(c.blocks)
    gram, cross, sst = _normal(c, count, total, total_sq)
    if sst == 0.0:
        return np.zeros(1 << p)
    masks, _ = _masks(p)
    on = np.zeros(((1 << p), c.x.shape[1]))
    for j, cols in enumerate(c.blocks):
        on[:, cols] = ((masks >> j) & 1)[:, None]
    # Columns out of a subset (or with no rows in this resample) get a unit
    # diagonal: they then take no part, and the stacked solve stays regular.
    used = on * (np.diag(gram) > 1e-12)[None, :]
    g = (
        gram[None, :, :] * used[:, :, None] * used[:, None, :]
        + np.eye(len(cross)) * (1 - used)[:, :, None]
    )
    r = cross[None, :] * used
    try:
        coef = np.linalg.solve(g, r[..., None])[..., 0]
    except np.linalg.LinAlgError:  # collinear features: the minimum-norm solution
        coef = np.einsum("bij,bj->bi", np.linalg.pinv(g, rcond=1e-10, hermitian=True), r)
    return np.asarray(np.clip((r * coef).sum(axis=1) / sst, 0.0, 1.0), dtype=np.float64)


@functools.cache
def _shapley_terms(p: int) -> tuple[tuple[I64, I64, F64], ...]:
    """Per feature j: the subsets S without j, S ∪ j, and the weight of each S (cached)."""
    masks = np.arange(1 << p, dtype=np.int64)
    size = np.array([bin(int(m)).count("1") for m in masks])
    weight = np.array([math.factorial(s) * math.factorial(p - s - 1) for s in range(p)]) / (
        math.factorial(p)
    )
    out = []
    for j in range(p):
        without = masks[(masks & (1 << j)) == 0]
        out.append((without, without | (1 << j), weight[size[without]]))
    return tuple(out)


def lmg_of(r2: F64, p: int) -> F64:
    """Shapley shares of R²: Σ over subsets S without j of |S|!(p−|S|−1)!/p! · (R²(S∪j) − R²(S))."""
    out = np.zeros(p)
    for j, (without, with_j, weight) in enumerate(_shapley_terms(p)):
        out[j] = float((weight * (r2[with_j] - r2[without])).sum())
    return out


@dataclass(frozen=True)
class Driver:
    feature: str
    lmg: float
    share: float | None  # lmg / r2; None when r2 is 0
    ci95: tuple[float, float] | None  # bootstrap percentile interval of lmg
    levels: int

    def to_json(self) -> dict[str, Any]:
        return {
            "feature": self.feature,
            "lmg": self.lmg,
            "share": self.share,
            "ci95": list(self.ci95) if self.ci95 else None,
            "levels": self.levels,
        }


@dataclass(frozen=True)
class Drivers:
    n: int
    r2: float
    drivers: list[Driver]
    resamples: int
    seed: int


def _stats(cell: I64, e: F64, k: int, rows: I64 | None = None) -> tuple[F64, F64, F64]:
    cc, ee = (cell, e) if rows is None else (cell[rows], e[rows])
    return (
        np.bincount(cc, minlength=k).astype(np.float64),
        np.bincount(cc, weights=ee, minlength=k).astype(np.float64),
        np.bincount(cc, weights=ee * ee, minlength=k).astype(np.float64),
    )


def drivers(
    e: ArrayLike,
    features: Mapping[str, Sequence[str]],
    *,
    resamples: int | None = None,
    seed: int = 0,
) -> Drivers:
    """LMG of each feature on ``e``, sorted by LMG (largest first), with bootstrap intervals.

    ``resamples`` defaults to :func:`resamples_for` the size of the data;
    resampling is seeded, so the same data give the same intervals.
    """
    p = len(features)
    if p > MAX_FEATURES:
        raise TooManyFeatures(f"at most {MAX_FEATURES} features, got {p}")
    y = np.asarray(e, dtype=np.float64)
    names = list(features)
    encoded = [encode(list(features[f])) for f in names]
    c = cells_of([codes for codes, _ in encoded], [len(levels) for _, levels in encoded])
    k = len(c.x)
    n = len(y)
    r2 = r2_subsets(c, *_stats(c.cell, y, k)) if n else np.zeros(1 << p)
    lmg = lmg_of(r2, p) if p else np.zeros(0)
    total = float(r2[-1]) if p else 0.0
    b = resamples if resamples is not None else resamples_for(n, k, p, c.x.shape[1])
    ci: list[tuple[float, float] | None] = [None] * p
    if n >= 2 and p and b > 0:
        rng = np.random.default_rng(seed)
        reps = np.empty((b, p))
        for i in range(b):
            rows = rng.integers(0, n, n)
            reps[i] = lmg_of(_r2_subsets_batched(c, *_stats(c.cell, y, k, rows)), p)
        lo, hi = np.percentile(reps, [2.5, 97.5], axis=0)
        ci = [(float(lo[j]), float(hi[j])) for j in range(p)]
    out = [
        Driver(
            feature=names[j],
            lmg=float(lmg[j]),
            share=float(lmg[j]) / total if total > 0 else None,
            ci95=ci[j],
            levels=len(encoded[j][1]),
        )
        for j in range(p)
    ]
    out.sort(key=lambda d: -d.lmg)
    return Drivers(n=n, r2=total, drivers=out, resamples=b if n >= 2 and p else 0, seed=seed)
