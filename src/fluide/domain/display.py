"""What a person reads of a 95 % interval (the JSON keeps the exact one).

A Student-t interval on a handful of answers can reach far past what the
quantity can be: answers 3 and 6 on a 1–7 scale give a mean of 4.5 with the
interval [-14.56, 23.56]. That is the honest arithmetic, and the JSON
contract keeps it, but no mean lies outside 1–7. So what a person reads (a
page, the weekly report, the PDF, the e-mail, the CLI's text and HTML) is the
interval cut to the quantity's bounds and, under ``MIN_SHOWN_INTERVAL_N``
answers, no interval at all: "too few answers".

The bounds of each quantity:

- a mean on a ``1..k`` scale: ``1`` to ``k`` (:func:`scale_bounds`);
- the effort index, and any percentage: 0 to 100; a proportion: 0 to 1;
- Net Easy Score and net effort: −100 to 100;
- a difference of two values within ``[lo, hi]``: ``±(hi − lo)``
  (:func:`difference_bounds`), not the bounds themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from enum import Enum
from typing import Final

MIN_SHOWN_INTERVAL_N: Final = 5
"""Below this many answers a person reads "too few answers" instead of an interval."""

Bounds = tuple[float, float]
"""The lowest and highest value a quantity can take."""

EFFORT_INDEX_BOUNDS: Final[Bounds] = (0.0, 100.0)
PERCENT_BOUNDS: Final[Bounds] = (0.0, 100.0)
PROPORTION_BOUNDS: Final[Bounds] = (0.0, 1.0)
NET_SCORE_BOUNDS: Final[Bounds] = (-100.0, 100.0)
UNBOUNDED: Final[Bounds] = (-math.inf, math.inf)
"""For a quantity whose bounds are not known: only the answer count applies."""


class TooFew(Enum):
    """The interval is not shown: fewer than ``MIN_SHOWN_INTERVAL_N`` answers."""

    ANSWERS = "too_few_answers"


TOO_FEW_ANSWERS: Final = TooFew.ANSWERS

ShownInterval = tuple[float, float] | TooFew | None
"""The interval to show, ``TOO_FEW_ANSWERS``, or ``None`` when there is none to show."""


def scale_bounds(k: int) -> Bounds:
    """The bounds of a mean on a ``1..k`` answer scale.

    >>> scale_bounds(7)
    (1.0, 7.0)
    """
    if k < 2:
        raise ValueError(f"a scale has at least 2 points, got {k}")
    return (1.0, float(k))


def difference_bounds(bounds: Bounds) -> Bounds:
    """The bounds of ``a − b`` when ``a`` and ``b`` both lie within ``bounds``.

    >>> difference_bounds(scale_bounds(7))
    (-6.0, 6.0)
    >>> difference_bounds(EFFORT_INDEX_BOUNDS)
    (-100.0, 100.0)
    """
    lo, hi = bounds
    return (lo - hi, hi - lo)


def shown_interval(ci: Sequence[float] | None, bounds: Bounds, n: int) -> ShownInterval:
    """What a person reads of the interval ``ci`` of a quantity within ``bounds``, on ``n``
    answers: ``TOO_FEW_ANSWERS`` when ``n < MIN_SHOWN_INTERVAL_N``, else ``ci`` cut to
    ``bounds`` (``None`` without an interval). For a difference, ``n`` is the smaller side.

    >>> shown_interval([-14.56, 23.56], scale_bounds(7), n=2) is TOO_FEW_ANSWERS
    True
    >>> shown_interval([0.5, 7.4], scale_bounds(7), n=6)
    (1.0, 7.0)
    >>> shown_interval([-47.6, 164.2], EFFORT_INDEX_BOUNDS, n=12)
    (0.0, 100.0)
    >>> shown_interval([2.9, 3.6], scale_bounds(5), n=40)
    (2.9, 3.6)
    >>> shown_interval(None, EFFORT_INDEX_BOUNDS, n=40) is None
    True
    """
    lo, hi = bounds
    if not lo < hi:
        raise ValueError(f"bounds must be (low, high) with low < high, got {bounds}")
    if n < MIN_SHOWN_INTERVAL_N:
        return TOO_FEW_ANSWERS
    if not ci or any(math.isnan(v) for v in ci):
        return None
    low, high = sorted((float(ci[0]), float(ci[1])))
    return (min(max(low, lo), hi), min(max(high, lo), hi))
