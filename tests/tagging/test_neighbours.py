"""The neighbours' blend, by hand (no model)."""

from __future__ import annotations

import numpy as np

from fluide.tagging.classifier import neighbour_blend


def _unit(*rows: tuple[float, float]) -> np.ndarray:
    x = np.array(rows, dtype=np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def test_only_neighbours_above_the_similarity_count_and_in_proportion() -> None:
    q = _unit((1, 0))
    ctx = _unit((1, 0.1), (1, -0.1), (0, 1))  # two alike (cos 0.995), one unrelated
    p = np.array([[0.2]])
    pool_p = np.vstack([p, [[0.8], [0.6], [0.0]]])
    out = neighbour_blend(q, p, np.vstack([q, ctx]), pool_p, k=3, weight=0.6, min_sim=0.9)
    # Two of three neighbours count: weight 0.6 x 2/3 = 0.4 on their mean 0.7.
    assert np.allclose(out, [[0.6 * 0.2 + 0.4 * 0.7]])


def test_a_row_is_never_its_own_neighbour_and_a_lone_row_is_unchanged() -> None:
    q = _unit((1, 0))
    p = np.array([[0.3, 0.9]])
    assert np.array_equal(neighbour_blend(q, p, q, p, k=10, weight=0.7, min_sim=0.0), p)


def test_blocks_give_the_same_result_as_one_pass() -> None:
    rng = np.random.default_rng(0)
    q = _unit(*[tuple(v) for v in rng.normal(size=(50, 2))])
    p = rng.uniform(size=(50, 3))
    one = neighbour_blend(q, p, q, p, k=5, weight=0.7, min_sim=0.5)
    blocks = neighbour_blend(q, p, q, p, k=5, weight=0.7, min_sim=0.5, block=7)
    assert np.allclose(one, blocks)
    assert not np.allclose(one, p)


def test_each_column_can_have_its_own_weight() -> None:
    q = _unit((1, 0), (1, 0.05))
    p = np.array([[0.0, 0.0], [1.0, 1.0]])
    out = neighbour_blend(q, p, q, p, k=1, weight=np.array([0.5, 0.1]), min_sim=0.9)
    assert np.allclose(out, [[0.5, 0.1], [0.5, 0.9]])
