"""Answers written as words: the usual French and English wordings, with their points.

A survey tool often exports the label the person clicked ("Très facile")
instead of its number. Each family lists its wordings from one end to the
other, with the end it starts from: *ease-oriented* families start at the
hard end (an agreement "Il a été facile de…" is ease-oriented), the effort
family starts at the low-effort end. A wording becomes a point through the
question's polarity, as the scale's labels do (see ``scales.py``):

>>> from fluide.domain.scales import SCALES, Polarity, Question
>>> wording_points(Question(SCALES["1-5"], Polarity.EASE))["tres facile"]
5
>>> wording_points(Question(SCALES["1-5"], Polarity.EFFORT))["tres facile"]
1

Only the families whose length is the question's number of points apply:
a 5-point wording is never read on a 7-point scale.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

from fluide.domain.scales import Polarity, Question


@dataclass(frozen=True)
class Family:
    """One wording family: spellings of each point, from its first end."""

    name: str
    ease_oriented: bool  # the first point is the hard end
    points: tuple[tuple[str, ...], ...]  # French and English spellings per point


FAMILIES: Final[tuple[Family, ...]] = (
    Family(
        "ease-5",
        True,
        (
            ("Très difficile", "Very difficult"),
            ("Difficile", "Difficult"),
            ("Ni facile ni difficile", "Neither easy nor difficult"),
            ("Facile", "Easy"),
            ("Très facile", "Very easy"),
        ),
    ),
    Family(
        "agreement-5",
        True,
        (
            ("Pas du tout d'accord", "Strongly disagree"),
            ("Pas d'accord", "Plutôt pas d'accord", "Disagree"),
            ("Ni d'accord ni pas d'accord", "Neutre", "Neither agree nor disagree", "Neutral"),
            ("D'accord", "Plutôt d'accord", "Agree"),
            ("Tout à fait d'accord", "Strongly agree"),
        ),
    ),
    Family(
        "agreement-7",
        True,
        (
            ("Pas du tout d'accord", "Strongly disagree"),
            ("Pas d'accord", "Disagree"),
            ("Plutôt pas d'accord", "Somewhat disagree"),
            ("Ni d'accord ni pas d'accord", "Neutre", "Neither agree nor disagree", "Neutral"),
            ("Plutôt d'accord", "Somewhat agree"),
            ("D'accord", "Agree"),
            ("Tout à fait d'accord", "Strongly agree"),
        ),
    ),
    Family(
        "effort-5",
        False,
        (
            ("Très peu d'effort", "Very low effort"),
            ("Peu d'effort", "Low effort"),
            ("Effort moyen", "Effort modéré", "Moderate effort"),
            ("Beaucoup d'effort", "High effort"),
            ("Énormément d'effort", "Very high effort"),
        ),
    ),
)

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'"})


def normalise(text: str) -> str:
    """A wording as compared: no case, no accents, one kind of apostrophe, single spaces.

    >>> normalise("  TOUT À FAIT  d’accord ")
    "tout a fait d'accord"
    """
    decomposed = unicodedata.normalize("NFKD", text.translate(_APOSTROPHES))
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.casefold().split())


def family_points(family: Family, k: int, polarity: Polarity) -> dict[str, int]:
    """Each spelling of ``family`` (as written) with its point on a ``k``-point question."""
    if len(family.points) != k:
        return {}
    hard_first = family.ease_oriented
    # Point 1 is the hard end on an ease question, the easy end on an effort one.
    forward = hard_first == (polarity is Polarity.EASE)
    out: dict[str, int] = {}
    for i, spellings in enumerate(family.points):
        point = i + 1 if forward else k - i
        for s in spellings:
            out[s] = point
    return out


def wording_spellings(q: Question) -> dict[str, int]:
    """Every wording (as written in the table) that fits ``q``, with its point."""
    out: dict[str, int] = {}
    for family in FAMILIES:
        for s, p in family_points(family, q.k, q.polarity).items():
            out.setdefault(s, p)
    return out


def wording_points(q: Question) -> dict[str, int]:
    """Normalised wordings that fit ``q`` → their points."""
    return {normalise(s): p for s, p in wording_spellings(q).items()}
