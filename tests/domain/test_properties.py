"""Properties of the CES figures for any answers on any scale × polarity (Hypothesis).

seed 003: net effort "se trouve entre -100 ... et +100"; the Net Easy Score
counts the same groups the other way round. The effort index 100·(e − 1)/(k − 1)
maps every scale onto 0–100.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fluide.domain.metrics import summarize, summarize_effort_index
from fluide.domain.scales import SCALES, Polarity, Question
from fluide.domain.stats import cliffs_delta, mann_whitney_p

SCALE_KEYS = sorted(SCALES)


@st.composite
def questions(draw: st.DrawFn) -> Question:
    """Any built-in scale with any polarity and its default effort groups."""
    scale = SCALES[draw(st.sampled_from(SCALE_KEYS))]
    return Question(scale, draw(st.sampled_from(list(Polarity))))


@st.composite
def answered(draw: st.DrawFn, max_count: int = 60) -> tuple[Question, list[int]]:
    """A question and a count vector on its points (zeros included)."""
    q = draw(questions())
    counts = draw(st.lists(st.integers(0, max_count), min_size=q.k, max_size=q.k))
    return q, counts


@st.composite
def two_samples(draw: st.DrawFn) -> tuple[list[int], list[int]]:
    """Two count vectors on the same points, each with at least one answer."""
    k = draw(st.sampled_from([3, 5, 7, 10]))
    counts = st.lists(st.integers(0, 40), min_size=k, max_size=k).filter(lambda c: sum(c) > 0)
    return draw(counts), draw(counts)


def bincount(scores: list[int], k: int) -> np.ndarray:
    """Counts per point 1..k from raw scores."""
    return np.bincount(np.asarray(scores, dtype=np.int64), minlength=k + 1)[1:]


@settings(max_examples=200, deadline=None)
@given(answered())
def test_figures_stay_in_their_ranges(qc: tuple[Question, list[int]]) -> None:
    q, counts = qc
    b = summarize(counts, q)
    n = sum(counts)
    assert b.n == n
    assert b.small_sample is (n < 30)
    if n == 0:
        assert b.effort_index is None
        assert b.net_effort is None
        return
    assert b.effort_index is not None
    assert 0.0 <= b.effort_index <= 100.0
    pct = b.effort_groups
    assert all(v is not None and 0.0 <= v <= 100.0 for v in pct.values())
    assert sum(v for v in pct.values() if v is not None) == pytest.approx(100.0, abs=1e-9)
    assert b.net_effort is not None
    assert -100.0 <= b.net_effort <= 100.0
    assert b.net_easy == -b.net_effort
    assert b.mean is not None
    assert 1.0 - 1e-12 <= b.mean <= q.k + 1e-12


@settings(max_examples=200, deadline=None)
@given(answered())
def test_intervals_contain_their_estimate(qc: tuple[Question, list[int]]) -> None:
    q, counts = qc
    b = summarize(counts, q)
    if b.n < 2:
        assert b.ci95 is None
        assert b.effort_index_ci95 is None
        return
    assert b.ci95 is not None
    assert b.mean is not None
    assert b.ci95[0] <= b.mean <= b.ci95[1]
    assert b.effort_index_ci95 is not None
    assert b.effort_index is not None
    assert b.effort_index_ci95[0] <= b.effort_index <= b.effort_index_ci95[1]


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_row_order_does_not_change_any_figure(data: st.DataObject) -> None:
    q = data.draw(questions())
    scores = data.draw(st.lists(st.integers(1, q.k), min_size=0, max_size=80))
    shuffled = data.draw(st.permutations(scores))
    assert summarize(bincount(shuffled, q.k), q) == summarize(bincount(sorted(scores), q.k), q)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_ease_and_effort_mirror(data: st.DataObject) -> None:
    """Scores s under ease and k + 1 − s under effort are the same efforts."""
    key = data.draw(st.sampled_from(SCALE_KEYS))
    scale = SCALES[key]
    ease_counts = data.draw(st.lists(st.integers(0, 50), min_size=scale.k, max_size=scale.k))
    effort_counts = ease_counts[::-1]  # score s ↦ k + 1 − s
    ease = summarize(ease_counts, Question(scale, Polarity.EASE))
    effort = summarize(effort_counts, Question(scale, Polarity.EFFORT))
    assert ease.effort_groups == effort.effort_groups
    assert ease.net_effort == effort.net_effort
    assert ease.net_easy == effort.net_easy
    if ease.n == 0:
        assert (ease.effort_index, effort.effort_index) == (None, None)
        return
    assert ease.effort_index == pytest.approx(effort.effort_index, rel=1e-12, abs=1e-9)
    if ease.effort_index_ci95 is None:
        assert effort.effort_index_ci95 is None
    else:
        assert ease.effort_index_ci95 == pytest.approx(
            effort.effort_index_ci95, rel=1e-12, abs=1e-9
        )
    assert ease.mean is not None
    assert effort.mean is not None
    assert ease.mean == pytest.approx(scale.k + 1 - effort.mean, rel=1e-12, abs=1e-12)


@settings(max_examples=200, deadline=None)
@given(answered())
def test_pooling_one_question_on_the_index_equals_its_own_index(
    qc: tuple[Question, list[int]],
) -> None:
    q, counts = qc
    alone = summarize(counts, q)
    pooled = summarize_effort_index([(q, counts)])
    assert pooled.effort_groups == alone.effort_groups
    assert pooled.net_effort == alone.net_effort
    if alone.effort_index is None:
        assert pooled.effort_index is None
    else:
        assert pooled.effort_index == pytest.approx(alone.effort_index, abs=1e-9)


@settings(max_examples=200, deadline=None)
@given(two_samples())
def test_cliffs_delta_is_antisymmetric(ab: tuple[list[int], list[int]]) -> None:
    a, b = ab
    d = cliffs_delta(a, b)
    assert d is not None
    assert -1.0 <= d <= 1.0
    assert d == -cliffs_delta(b, a)  # type: ignore[operator]


@settings(max_examples=200, deadline=None)
@given(two_samples())
def test_mann_whitney_p_is_symmetric(ab: tuple[list[int], list[int]]) -> None:
    a, b = ab
    p = mann_whitney_p(a, b)
    q = mann_whitney_p(b, a)
    if p is None:
        assert q is None
        return
    assert q is not None
    assert 0.0 <= p <= 1.0
    assert p == pytest.approx(q, abs=1e-12)
