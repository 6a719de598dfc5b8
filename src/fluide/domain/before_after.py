"""Did a fix work? The pure parts of an action's before/after around its delivery date.

The difference itself (bootstrap interval, Mann–Whitney p, Cliff's delta)
is :func:`fluide.domain.compare.compare`; this module says *which* days are
compared, whether the two sides asked the same question, when there are
too few answers to conclude, and reads the verdict from the interval.

>>> w = windows(date(2026, 3, 10), today=date(2026, 3, 20), days=28)
>>> (w.before.start.isoformat(), w.before.end.isoformat(), w.after.days, w.after.complete)
('2026-02-10', '2026-03-09', 11, False)
>>> verdict((0.4, 1.8), lower_is_better=False)
'improved'
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final

DEFAULT_WINDOW_DAYS: Final = 28
MIN_WINDOW_DAYS: Final = 7
MAX_WINDOW_DAYS: Final = 182
MIN_ANSWERS: Final = 10
"""Below this many answers on a side, no verdict: a handful of answers proves nothing."""

# Romano et al. (2006) thresholds on |Cliff's delta|, the usual reading of its size.
_EFFECT_SIZES: Final = ((0.147, "negligible"), (0.33, "small"), (0.474, "medium"))


@dataclass(frozen=True)
class Window:
    """Local calendar days ``start``..``end`` (both included); ``days`` = 0 when none yet."""

    start: date
    end: date
    days: int
    complete: bool


@dataclass(frozen=True)
class Windows:
    before: Window
    after: Window


def windows(delivered_on: date, today: date, days: int = DEFAULT_WINDOW_DAYS) -> Windows:
    """The ``days`` days before the delivery date, and the delivery day with the ``days - 1``
    after it, the after side cut at ``today`` (as ``fluide compare``: before vs on/after).

    >>> windows(date(2026, 3, 10), today=date(2026, 3, 9), days=7).after.days
    0
    """
    if days < 1:
        raise ValueError(f"a window needs at least one day, got {days}")
    b_start, b_end = delivered_on - timedelta(days=days), delivered_on - timedelta(days=1)
    b_cut = min(b_end, today)
    before = Window(b_start, b_cut, max(0, (b_cut - b_start).days + 1), b_end < today)
    a_end = delivered_on + timedelta(days=days - 1)
    a_cut = min(a_end, today)
    after = Window(delivered_on, a_cut, max(0, (a_cut - delivered_on).days + 1), a_end < today)
    return Windows(before, after)


@dataclass(frozen=True)
class Asked:
    """What a question version asked: its wording per language, scale and polarity."""

    wording: Mapping[str, str]
    scale: str
    polarity: str


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def same_question(a: Asked, b: Asked) -> bool:
    """Same scale, polarity and wording (in every language both have; spaces and case aside).

    >>> q = Asked({"fr": "J'ai pu payer facilement"}, "1-7", "ease")
    >>> same_question(q, Asked({"fr": "J'ai pu  payer facilement", "en": "I paid"}, "1-7", "ease"))
    True
    >>> same_question(q, Asked({"fr": "J'ai pu payer facilement"}, "1-5", "ease"))
    False
    """
    if (a.scale, a.polarity) != (b.scale, b.polarity):
        return False
    common = a.wording.keys() & b.wording.keys()
    return bool(common) and all(_words(a.wording[k]) == _words(b.wording[k]) for k in common)


def question_changed(asked: Iterable[Asked]) -> bool:
    """Whether the versions answered on either side did not all ask the same question.

    A new version that only rewords the comment prompt asks the same question:
    its answers are still comparable.
    """
    seen = list(asked)
    return any(not same_question(seen[0], other) for other in seen[1:])


def verdict(diff_ci: tuple[float, float] | None, *, lower_is_better: bool) -> str | None:
    """``improved`` / ``worse`` when the interval of after − before excludes zero on that
    side, ``no_change`` when it contains zero, ``None`` without an interval.

    >>> verdict((-0.9, 0.2), lower_is_better=True), verdict((-0.9, -0.2), lower_is_better=True)
    ('no_change', 'improved')
    """
    if diff_ci is None:
        return None
    lo, hi = diff_ci
    if lo > 0:
        return "worse" if lower_is_better else "improved"
    if hi < 0:
        return "improved" if lower_is_better else "worse"
    return "no_change"


def effect_size(delta: float | None) -> str | None:
    """How large Cliff's delta is: ``negligible``, ``small``, ``medium`` or ``large``.

    >>> effect_size(-0.5), effect_size(0.1)
    ('large', 'negligible')
    """
    if delta is None:
        return None
    for bound, name in _EFFECT_SIZES:
        if abs(delta) < bound:
            return name
    return "large"


def reason(
    *,
    after: Window,
    n_before: int,
    n_after: int,
    changed: bool,
    min_answers: int = MIN_ANSWERS,
) -> str | None:
    """Why the two sides cannot be compared, or ``None`` when they can.

    >>> w = Window(date(2026, 3, 10), date(2026, 3, 12), 3, False)
    >>> reason(after=w, n_before=40, n_after=0, changed=False)
    'no_after_yet'
    >>> reason(after=w, n_before=40, n_after=4, changed=False)
    'too_few_answers'
    """
    if after.days == 0 or (n_after == 0 and not after.complete):
        return "no_after_yet"
    if changed:
        return "question_changed"
    if min(n_before, n_after) < min_answers:
        return "too_few_answers"
    return None


def tag_share(tags: Sequence[frozenset[str]], tag: str) -> float | None:
    """The share (0–1) of tagged comments carrying ``tag``; ``None`` without a comment.

    >>> tag_share([frozenset({"payment"}), frozenset(), frozenset({"payment", "delay"})], "payment")
    0.6666666666666666
    """
    if not tags:
        return None
    return sum(1 for t in tags if tag in t) / len(tags)
