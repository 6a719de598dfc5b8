"""The usual wordings read as points, per polarity, on their own scale only."""

from __future__ import annotations

import pytest

from fluide.domain.scales import SCALES, Polarity, Question
from fluide.domain.wordings import normalise, wording_points


def points(scale: str, polarity: Polarity) -> dict[str, int]:
    return wording_points(Question(SCALES[scale], polarity))


@pytest.mark.parametrize(
    ("word", "scale", "ease", "effort"),
    [
        ("Très facile", "1-5", 5, 1),
        ("Very difficult", "1-5", 1, 5),
        ("Ni facile ni difficile", "1-5", 3, 3),
        ("Tout à fait d'accord", "1-5", 5, 1),
        ("Strongly disagree", "1-5", 1, 5),
        ("Tout à fait d'accord", "1-7", 7, 1),
        ("Plutôt pas d'accord", "1-7", 3, 5),
        ("Somewhat agree", "1-7", 5, 3),
        ("Très peu d'effort", "1-5", 5, 1),
        ("Very high effort", "1-5", 1, 5),
        ("Effort moyen", "1-5", 3, 3),
    ],
)
def test_each_wording_family_on_both_polarities(
    word: str, scale: str, ease: int, effort: int
) -> None:
    assert points(scale, Polarity.EASE)[normalise(word)] == ease
    assert points(scale, Polarity.EFFORT)[normalise(word)] == effort


def test_wordings_fit_only_their_number_of_points() -> None:
    assert normalise("Très facile") not in points("1-7", Polarity.EASE)
    assert normalise("Somewhat agree") not in points("1-5", Polarity.EASE)
    assert points("1-10", Polarity.EASE) == {}
    assert points("emoji-3", Polarity.EASE) == {}


def test_case_accents_apostrophes_and_spaces_do_not_count() -> None:
    assert normalise("  TOUT A FAIT  D’ACCORD ") == normalise("Tout à fait d'accord")
