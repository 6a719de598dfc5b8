"""Scales, polarities and effort groups.

A CES question is answered on a small ordinal scale. Its *polarity* says which
end means effort:

- ``effort``: 1 = very low effort ("Combien d'efforts avez-vous dû fournir ?");
- ``ease``: high = easy, an agreement scale ("J'ai pu payer facilement", CES 2.0).

Every figure that must mean the same on both polarities works on the
*effort-oriented* score ``e`` (for ``ease``, ``e = k + 1 - score``), so that
low ``e`` is always good.

>>> q = Question(scale=SCALES["1-7"], polarity=Polarity.EASE)
>>> q.effort_of(7), q.group_of(7), q.group_of(2)
(1, 'low', 'high')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Final

Bilingual = dict[str, str]
"""A text a person reads, in every supported language: ``{"fr": ..., "en": ...}``."""

GROUP_NAMES: Final = ("low", "moderate", "high")


class Polarity(StrEnum):
    EFFORT = "effort"
    EASE = "ease"


class ScaleError(ValueError):
    """A scale, polarity or effort-group definition that cannot be used."""


@dataclass(frozen=True)
class Scale:
    """An ordinal answer scale with points ``1..k``.

    ``symbols`` are extra accepted spellings of each point (the emoticons of
    ``emoji-3``), in point order *for the ease polarity* (unhappy first);
    :meth:`Question.tokens` turns them round for the effort polarity.
    """

    key: str
    k: int
    symbols: tuple[tuple[str, ...], ...] = ()
    numeric: bool = True  # whether the numbers 1..k are answers too

    @property
    def points(self) -> tuple[int, ...]:
        return tuple(range(1, self.k + 1))

    def tokens(self, reverse_symbols: bool = False) -> dict[str, int]:
        """Every accepted spelling of a point, mapped to the point.

        >>> SCALES["emoji-3"].tokens()["🙂"]
        3
        """
        out = {str(p): p for p in self.points} if self.numeric else {}
        points = tuple(reversed(self.points)) if reverse_symbols else self.points
        for point, spellings in zip(points, self.symbols, strict=False):
            for s in spellings:
                out[s] = point
        return out


SCALES: Final[dict[str, Scale]] = {
    "1-5": Scale("1-5", 5),
    "1-7": Scale("1-7", 7),
    "1-10": Scale("1-10", 10),
    # Emoticons in point order: 1 = unhappy, 2 = neutral, 3 = happy. With the
    # usual "ease" polarity, 3 (happy) is the easy end.
    "emoji-3": Scale(
        "emoji-3",
        3,
        symbols=(("😞", "🙁", "☹️", "☹"), ("😐",), ("🙂", "😊", "😀")),
    ),
}


FILE_SCALES: Final[dict[str, Scale]] = {
    # A help desk's satisfaction rating (Zendesk: Good/Bad), read from a file
    # only when asked (``--scale good-bad``); never a survey's scale, and never
    # numbers: a "4" among good/bad answers is a bad line. Unhappy first, as
    # for the faces: with the ease polarity, good (2) is the easy end.
    "good-bad": Scale(
        "good-bad",
        2,
        symbols=(("bad", "mauvais", "mauvaise", "👎"), ("good", "bon", "bonne", "👍")),
        numeric=False,
    ),
}
"""Scales an export may be read on (``fluide analyze``), beside :data:`SCALES`."""


def scale_by_key(key: str) -> Scale:
    """The scale named ``key``, or a :class:`ScaleError` naming the allowed keys."""
    try:
        return SCALES[key]
    except KeyError:
        raise ScaleError(f"unknown scale {key!r}; allowed: {', '.join(SCALES)}") from None


def file_scale_by_key(key: str) -> Scale:
    """A scale an export may be read on: a survey's, or one of :data:`FILE_SCALES`."""
    if key in FILE_SCALES:
        return FILE_SCALES[key]
    try:
        return scale_by_key(key)
    except ScaleError:
        allowed = ", ".join([*SCALES, *FILE_SCALES])
        raise ScaleError(f"unknown scale {key!r}; allowed: {allowed}") from None


def polarity_by_key(key: str) -> Polarity:
    try:
        return Polarity(key)
    except ValueError:
        raise ScaleError(
            f"unknown polarity {key!r}; allowed: {', '.join(p.value for p in Polarity)}"
        ) from None


@dataclass(frozen=True)
class EffortGroups:
    """Cut points on the effort-oriented score ``e``.

    ``low`` is ``e <= low_max``, ``high`` is ``e >= high_min``, ``moderate``
    is in between (it may be empty).

    >>> EffortGroups(2, 5).group_of(4)
    'moderate'
    """

    low_max: int
    high_min: int

    def group_of(self, e: int) -> str:
        if e <= self.low_max:
            return "low"
        if e >= self.high_min:
            return "high"
        return "moderate"

    def validate(self, k: int) -> None:
        if not (1 <= self.low_max < self.high_min <= k):
            raise ScaleError(
                f"effort groups need 1 <= low_max < high_min <= {k}; "
                f"got low_max={self.low_max}, high_min={self.high_min}"
            )


DEFAULT_GROUPS: Final[dict[int, EffortGroups]] = {
    # The seeds' Likert split: low 1-2, moderate 3-4, high 5-7.
    7: EffortGroups(low_max=2, high_min=5),
    5: EffortGroups(low_max=2, high_min=4),
    10: EffortGroups(low_max=3, high_min=7),
    3: EffortGroups(low_max=1, high_min=3),
    2: EffortGroups(low_max=1, high_min=2),
}


def _labels(k: int, polarity: Polarity) -> dict[int, Bilingual]:
    """Point labels in French and English; ends always named, middles where usual."""
    if k == 2:
        bad, good = {"fr": "👎 Mauvais", "en": "👎 Bad"}, {"fr": "👍 Bon", "en": "👍 Good"}
        return {1: bad, 2: good} if polarity is Polarity.EASE else {1: good, 2: bad}
    if k == 3:
        faces = {1: "😞", 2: "😐", 3: "🙂"}
        if polarity is Polarity.EASE:
            words = {1: ("Difficile", "Difficult"), 2: ("Moyen", "So-so"), 3: ("Facile", "Easy")}
        else:
            words = {1: ("Facile", "Easy"), 2: ("Moyen", "So-so"), 3: ("Difficile", "Difficult")}
            faces = {1: "🙂", 2: "😐", 3: "😞"}
        return {
            p: {"fr": f"{faces[p]} {fr}", "en": f"{faces[p]} {en}"} for p, (fr, en) in words.items()
        }
    if polarity is Polarity.EASE:
        ends = (
            ("Pas du tout d'accord", "Strongly disagree"),
            ("Tout à fait d'accord", "Strongly agree"),
        )
        middle = ("Ni d'accord ni pas d'accord", "Neither agree nor disagree")
    else:
        ends = (
            ("Très peu d'effort", "Very low effort"),
            ("Énormément d'effort", "Very high effort"),
        )
        middle = ("Effort moyen", "Moderate effort")
    out: dict[int, Bilingual] = {p: {"fr": str(p), "en": str(p)} for p in range(1, k + 1)}
    out[1] = {"fr": ends[0][0], "en": ends[0][1]}
    out[k] = {"fr": ends[1][0], "en": ends[1][1]}
    if k % 2 == 1:
        out[(k + 1) // 2] = {"fr": middle[0], "en": middle[1]}
    return out


@dataclass(frozen=True)
class Question:
    """A scale with its polarity and effort groups: what a set of scores means.

    Two questions are comparable point by point only if they are equal; the
    effort index is the only figure comparable across different questions.
    """

    scale: Scale
    polarity: Polarity
    groups: EffortGroups = field(default=EffortGroups(0, 0))
    version: str | None = None

    def __post_init__(self) -> None:
        if self.groups == EffortGroups(0, 0):
            object.__setattr__(self, "groups", DEFAULT_GROUPS[self.scale.k])
        self.groups.validate(self.scale.k)

    @property
    def k(self) -> int:
        return self.scale.k

    @property
    def points(self) -> tuple[int, ...]:
        return self.scale.points

    @property
    def key(self) -> tuple[str, str]:
        """What must be equal for raw scores to be pooled: scale and polarity."""
        return (self.scale.key, self.polarity.value)

    def tokens(self) -> dict[str, int]:
        """Accepted spellings of each point, faces following the polarity.

        A happy face is the easy end: point k on an ease question, point 1 on
        an effort question (as in the labels).

        >>> Question(SCALES["emoji-3"], Polarity.EFFORT).tokens()["🙂"]
        1
        """
        return self.scale.tokens(reverse_symbols=self.polarity is Polarity.EFFORT)

    def effort_of(self, score: int) -> int:
        """The effort-oriented score ``e`` (1 = no effort)."""
        return score if self.polarity is Polarity.EFFORT else self.k + 1 - score

    def effort_index_of(self, score: int) -> float:
        """The score on the 0-100 effort index: 100·(e − 1)/(k − 1), comparable across scales.

        >>> Question(SCALES["1-7"], Polarity.EASE).effort_index_of(7)
        0.0
        """
        return 100.0 * (self.effort_of(score) - 1) / (self.k - 1)

    def group_of(self, score: int) -> str:
        return self.groups.group_of(self.effort_of(score))

    def group_points(self) -> dict[str, list[int]]:
        """Raw score points in each effort group, in point order."""
        out: dict[str, list[int]] = {g: [] for g in GROUP_NAMES}
        for p in self.points:
            out[self.group_of(p)].append(p)
        return out

    def labels(self) -> dict[int, Bilingual]:
        return _labels(self.k, self.polarity)

    def describe(self) -> str:
        return f"{self.scale.key} ({self.polarity.value})"


def is_low_effort(scale: str, polarity: str, low_max: int, score: int) -> bool:
    """Whether ``score`` falls in its question's low-effort group (``e ≤ low_max``).

    >>> is_low_effort("1-7", "ease", 2, 7), is_low_effort("1-7", "ease", 2, 3)
    (True, False)
    """
    q = Question(scale_by_key(scale), polarity_by_key(polarity))
    return q.effort_of(score) <= low_max
