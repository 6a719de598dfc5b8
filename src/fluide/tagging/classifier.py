"""The tagger's numerical parts: logistic regressions, the nearest-example vote, the
batch's neighbours and the per-tag thresholds from cross-validation."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from fluide.tagging.config import TaggerConfig

Matrix = NDArray[np.float32]


def fit_lr(
    x: Matrix, y: NDArray[np.bool_], sw: NDArray[np.float64], c: float
) -> tuple[Matrix, NDArray[np.float64]]:
    """One balanced logistic regression per tag (a tag never seen scores ~0)."""
    from sklearn.linear_model import LogisticRegression

    w = np.zeros((y.shape[1], x.shape[1]), dtype=np.float32)
    b = np.full(y.shape[1], -10.0)
    for j in range(y.shape[1]):
        pos = y[:, j]
        if pos.all() or not pos.any():
            continue
        lr = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
        lr.fit(x, pos, sample_weight=sw)
        w[j] = lr.coef_[0]
        b[j] = lr.intercept_[0]
    return w, b


def vote_scores(
    x: Matrix,
    w: Matrix,
    b: NDArray[np.float64],
    x_train: Matrix,
    y_train: NDArray[np.bool_],
    cfg: TaggerConfig,
) -> NDArray[np.float64]:
    """Logistic probability blended with a similarity-weighted vote of the nearest examples."""
    p_lr = 1.0 / (1.0 + np.exp(-(x @ w.T + b)))
    kw = cfg.knn_weight
    if kw <= 0 or len(x_train) == 0:
        return np.asarray(p_lr, dtype=np.float64)
    sims = x @ x_train.T
    k = min(cfg.knn_k, sims.shape[1])
    idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
    top = np.take_along_axis(sims, idx, axis=1)
    # Softmax over cosine similarities (temperature 1/20): the closest example dominates.
    wts = np.exp((top - top.max(axis=1, keepdims=True)) * 20.0)
    wts /= wts.sum(axis=1, keepdims=True)
    p_knn = np.einsum("nk,nkt->nt", wts, y_train[idx].astype(np.float64))
    return np.asarray((1 - kw) * p_lr + kw * p_knn, dtype=np.float64)


def neighbour_blend(
    q: Matrix,
    p: NDArray[np.float64],
    pool: Matrix,
    pool_p: NDArray[np.float64],
    k: int,
    weight: float | NDArray[np.float64],
    min_sim: float,
    block: int = 1024,
) -> NDArray[np.float64]:
    """Blend each row's scores with the mean scores of its close neighbours in ``pool``.

    ``pool``'s first ``len(q)`` rows are ``q`` itself (a row is never its own
    neighbour). Of a row's ``k`` nearest, those with cosine ≥ ``min_sim`` count;
    they give ``weight × counted / k`` of the result (``weight``: one for all
    columns, or one per column).

    >>> q = np.array([[1.0, 0.0], [0.96, 0.28], [0.0, 1.0]], dtype=np.float32)
    >>> p = np.array([[0.9], [0.3], [0.2]])
    >>> neighbour_blend(q, p, q, p, k=1, weight=0.5, min_sim=0.9).round(2).tolist()
    [[0.6], [0.6], [0.2]]
    """
    n = len(pool)
    k = min(k, n - 1)
    if k < 1 or len(q) == 0:
        return p
    out = p.copy()
    for start in range(0, len(q), block):
        stop = min(start + block, len(q))
        sims = q[start:stop] @ pool.T
        rows = np.arange(stop - start)
        sims[rows, start + rows] = -np.inf
        idx = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        near = np.take_along_axis(sims, idx, axis=1) >= min_sim
        counted = near.sum(axis=1)
        mean = np.einsum("nk,nkt->nt", near.astype(np.float64), pool_p[idx])
        mean /= np.maximum(counted, 1)[:, None]
        w = np.multiply.outer(counted / k, weight)
        if w.ndim == 1:
            w = w[:, None]
        out[start:stop] = (1 - w) * p[start:stop] + w * mean
    return out


def cv_thresholds(
    x: Matrix,
    y: NDArray[np.bool_],
    sw: NDArray[np.float64],
    n_seed: int,
    keys: tuple[str, ...],
    cfg: TaggerConfig,
) -> dict[str, float]:
    """Per-tag thresholds that maximise F1 on out-of-fold scores of the given examples.

    The taxonomy's own phrases always stay in training (they are not a sample
    of real verbatims); each threshold is pulled towards the default in
    proportion to how few examples back it.
    """
    out = dict.fromkeys(keys, cfg.default_threshold)
    n_ex = len(x) - n_seed
    if n_ex < 2 * cfg.cv_folds:
        return out
    rng = np.random.default_rng(0)
    fold = rng.permutation(n_ex) % cfg.cv_folds
    oof = np.zeros((n_ex, len(keys)))
    seed_idx = np.arange(n_seed)
    for f in range(cfg.cv_folds):
        train = np.concatenate([seed_idx, n_seed + np.flatnonzero(fold != f)])
        test = n_seed + np.flatnonzero(fold == f)
        w, b = fit_lr(x[train], y[train], sw[train], cfg.c)
        oof[test - n_seed] = vote_scores(x[test], w, b, x[train], y[train], cfg)
    grid = np.arange(cfg.min_threshold, cfg.max_threshold + 1e-9, 0.025)
    for j, k in enumerate(keys):
        truth = y[n_seed:, j]
        n_pos = int(truth.sum())
        if n_pos < cfg.cv_min_positives:
            continue
        f1 = [_f1(oof[:, j] >= g, truth) for g in grid]
        best = float(grid[int(np.argmax(f1))])
        trust = n_pos / (n_pos + cfg.threshold_prior)
        out[k] = trust * best + (1 - trust) * cfg.default_threshold
    return out


def _f1(pred: NDArray[np.bool_], truth: NDArray[np.bool_]) -> float:
    tp = float(np.sum(pred & truth))
    denom = float(np.sum(pred) + np.sum(truth))
    return 2 * tp / denom if denom else 0.0
