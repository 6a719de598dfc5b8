"""Scales, polarities and effort groups (fluide.domain.scales).

References: seed 003 (Likert 1–7 split "effort faible 1 et 2, modéré 3 et 4,
élevé 5 à 7"; emoticon scale "un émoticône content, un neutre et un
mécontent"), seed 000 ("échelle de 1 à 7, avec 1 = pas du tout et
7 = tout à fait" for the ease statement "J'ai pu réaliser [tâche] facilement").
"""

from __future__ import annotations

import pytest

from fluide.domain.scales import (
    DEFAULT_GROUPS,
    GROUP_NAMES,
    SCALES,
    EffortGroups,
    Polarity,
    Question,
    ScaleError,
    polarity_by_key,
    scale_by_key,
)

ALL_SCALES = sorted(SCALES)
ALL_POLARITIES = list(Polarity)


def question(scale: str = "1-7", polarity: str = "effort", **kw: object) -> Question:
    """Factory: a question on a named scale and polarity."""
    return Question(SCALES[scale], Polarity(polarity), **kw)  # type: ignore[arg-type]


# --- points and tokens -------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "points"),
    [
        ("1-5", (1, 2, 3, 4, 5)),
        ("1-7", (1, 2, 3, 4, 5, 6, 7)),
        ("1-10", (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
        ("emoji-3", (1, 2, 3)),
    ],
)
def test_scale_points_run_from_1_to_k(key: str, points: tuple[int, ...]) -> None:
    assert SCALES[key].points == points
    assert SCALES[key].k == len(points)
    assert SCALES[key].key == key


@pytest.mark.parametrize("key", ["1-5", "1-7", "1-10"])
def test_numeric_scale_tokens_are_the_digits_only(key: str) -> None:
    scale = SCALES[key]
    assert scale.tokens() == {str(p): p for p in scale.points}


@pytest.mark.parametrize(
    ("spelling", "point"),
    [
        ("1", 1),
        ("2", 2),
        ("3", 3),
        ("😞", 1),
        ("🙁", 1),
        ("☹️", 1),  # with the emoji variation selector U+FE0F
        ("☹", 1),  # bare U+2639
        ("😐", 2),
        ("🙂", 3),
        ("😊", 3),
        ("😀", 3),
    ],
)
def test_emoji_3_accepts_each_face_spelling(spelling: str, point: int) -> None:
    assert SCALES["emoji-3"].tokens()[spelling] == point


def test_emoji_3_tokens_are_exactly_digits_and_faces() -> None:
    assert set(SCALES["emoji-3"].tokens()) == {
        "1",
        "2",
        "3",
        "😞",
        "🙁",
        "☹️",
        "☹",
        "😐",
        "🙂",
        "😊",
        "😀",
    }


def test_frowning_face_is_accepted_with_and_without_variation_selector() -> None:
    # exports write U+2639 either alone or followed by U+FE0F (emoji presentation)
    tokens = SCALES["emoji-3"].tokens()
    assert tokens["\u2639\ufe0f"] == 1
    assert tokens["\u2639"] == 1


# --- default effort groups -----------------------------------------------------


@pytest.mark.parametrize(
    ("key", "low", "moderate", "high"),
    [
        # seed 003: Likert 1–7, low 1–2, moderate 3–4, high 5–7
        ("1-7", [1, 2], [3, 4], [5, 6, 7]),
        ("1-5", [1, 2], [3], [4, 5]),
        ("1-10", [1, 2, 3], [4, 5, 6], [7, 8, 9, 10]),
        ("emoji-3", [1], [2], [3]),
    ],
)
def test_default_effort_groups_on_effort_polarity(
    key: str, low: list[int], moderate: list[int], high: list[int]
) -> None:
    q = question(key, "effort")
    assert q.group_points() == {"low": low, "moderate": moderate, "high": high}


@pytest.mark.parametrize(
    ("k", "low_max", "high_min"),
    [(7, 2, 5), (5, 2, 4), (10, 3, 7), (3, 1, 3)],
)
def test_default_group_cut_points(k: int, low_max: int, high_min: int) -> None:
    assert DEFAULT_GROUPS[k] == EffortGroups(low_max=low_max, high_min=high_min)


@pytest.mark.parametrize(
    ("key", "low", "moderate", "high"),
    [
        # ease mirrors effort: e = k + 1 − score
        ("1-7", [6, 7], [4, 5], [1, 2, 3]),
        ("1-5", [4, 5], [3], [1, 2]),
        ("1-10", [8, 9, 10], [5, 6, 7], [1, 2, 3, 4]),
        ("emoji-3", [3], [2], [1]),
    ],
)
def test_default_effort_groups_mirror_on_ease_polarity(
    key: str, low: list[int], moderate: list[int], high: list[int]
) -> None:
    q = question(key, "ease")
    assert q.group_points() == {"low": low, "moderate": moderate, "high": high}


def test_ease_score_7_is_low_effort_on_1_7() -> None:
    q = question("1-7", "ease")
    assert q.effort_of(7) == 1
    assert q.group_of(7) == "low"


def test_ease_score_1_is_high_effort_on_1_7() -> None:
    q = question("1-7", "ease")
    assert q.effort_of(1) == 7
    assert q.group_of(1) == "high"


def test_effort_score_7_is_high_effort_on_1_7() -> None:
    assert question("1-7", "effort").group_of(7) == "high"


def test_effort_score_2_is_low_and_3_is_moderate_on_1_7() -> None:
    # seed 003: "Effort faible : correspond aux notes 1 et 2", "modéré : 3 et 4"
    q = question("1-7", "effort")
    assert (q.group_of(2), q.group_of(3), q.group_of(4), q.group_of(5)) == (
        "low",
        "moderate",
        "moderate",
        "high",
    )


@pytest.mark.parametrize("key", ALL_SCALES)
def test_ease_effort_score_is_k_plus_1_minus_score(key: str) -> None:
    q = question(key, "ease")
    assert [q.effort_of(p) for p in q.points] == [q.k + 1 - p for p in q.points]


@pytest.mark.parametrize("key", ALL_SCALES)
def test_effort_polarity_keeps_the_score(key: str) -> None:
    q = question(key, "effort")
    assert [q.effort_of(p) for p in q.points] == list(q.points)


@pytest.mark.parametrize("key", ALL_SCALES)
@pytest.mark.parametrize("polarity", ALL_POLARITIES)
def test_every_point_falls_in_exactly_one_group(key: str, polarity: Polarity) -> None:
    q = Question(SCALES[key], polarity)
    groups = q.group_points()
    assert tuple(groups) == GROUP_NAMES
    assert sorted(p for pts in groups.values() for p in pts) == list(q.points)


# --- custom and invalid effort groups -------------------------------------------


def test_group_of_uses_inclusive_cut_points() -> None:
    g = EffortGroups(low_max=2, high_min=5)
    assert [g.group_of(e) for e in range(1, 8)] == [
        "low",
        "low",
        "moderate",
        "moderate",
        "high",
        "high",
        "high",
    ]


def test_custom_groups_replace_the_default() -> None:
    q = question("1-7", "effort", groups=EffortGroups(1, 7))
    assert q.group_points() == {"low": [1], "moderate": [2, 3, 4, 5, 6], "high": [7]}


def test_adjacent_cut_points_leave_moderate_empty() -> None:
    q = question("1-5", "effort", groups=EffortGroups(2, 3))
    assert q.group_points() == {"low": [1, 2], "moderate": [], "high": [3, 4, 5]}


@pytest.mark.parametrize(
    ("key", "low_max", "high_min"),
    [
        ("1-7", 0, 5),  # low_max below 1
        ("1-7", 3, 3),  # low and high overlap
        ("1-7", 5, 2),  # inverted
        ("1-7", 2, 8),  # high_min beyond k
        ("1-5", 2, 6),
        ("emoji-3", 1, 4),
        ("emoji-3", 2, 2),
    ],
)
def test_invalid_effort_groups_raise_scale_error(key: str, low_max: int, high_min: int) -> None:
    with pytest.raises(ScaleError, match="low_max < high_min"):
        question(key, "effort", groups=EffortGroups(low_max, high_min))


def test_validate_accepts_the_widest_groups() -> None:
    EffortGroups(1, 7).validate(7)  # no exception


def test_scale_error_is_a_value_error() -> None:
    assert issubclass(ScaleError, ValueError)


# --- lookups by key ----------------------------------------------------------------


@pytest.mark.parametrize("key", ALL_SCALES)
def test_scale_by_key_finds_every_scale(key: str) -> None:
    assert scale_by_key(key) is SCALES[key]


@pytest.mark.parametrize("bad", ["1-6", "", "1-7 ", "likert", "EMOJI-3"])
def test_unknown_scale_key_raises_naming_the_allowed_keys(bad: str) -> None:
    with pytest.raises(ScaleError) as info:
        scale_by_key(bad)
    message = str(info.value)
    assert repr(bad) in message
    for allowed in ("1-5", "1-7", "1-10", "emoji-3"):
        assert allowed in message


@pytest.mark.parametrize(
    ("key", "polarity"), [("effort", Polarity.EFFORT), ("ease", Polarity.EASE)]
)
def test_polarity_by_key_finds_both_polarities(key: str, polarity: Polarity) -> None:
    assert polarity_by_key(key) is polarity


@pytest.mark.parametrize("bad", ["easy", "Effort", "", "facile"])
def test_unknown_polarity_key_raises_naming_the_allowed_values(bad: str) -> None:
    with pytest.raises(ScaleError) as info:
        polarity_by_key(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "effort" in message
    assert "ease" in message


# --- question identity -------------------------------------------------------------


def test_question_key_is_scale_and_polarity() -> None:
    assert question("1-5", "ease").key == ("1-5", "ease")


def test_question_version_does_not_change_the_key() -> None:
    assert question("1-7", "effort", version="v1").key == question("1-7", "effort").key


def test_describe_names_scale_and_polarity() -> None:
    assert question("emoji-3", "ease").describe() == "emoji-3 (ease)"


# --- labels -----------------------------------------------------------------------


@pytest.mark.parametrize("key", ALL_SCALES)
@pytest.mark.parametrize("polarity", ALL_POLARITIES)
def test_every_point_has_a_french_and_an_english_label(key: str, polarity: Polarity) -> None:
    labels = Question(SCALES[key], polarity).labels()
    assert set(labels) == set(SCALES[key].points)
    for point, text in labels.items():
        assert set(text) == {"fr", "en"}, point
        assert text["fr"].strip(), point
        assert text["en"].strip(), point


@pytest.mark.parametrize("key", ALL_SCALES)
@pytest.mark.parametrize("polarity", ALL_POLARITIES)
def test_both_ends_are_named_not_numbered(key: str, polarity: Polarity) -> None:
    labels = Question(SCALES[key], polarity).labels()
    k = SCALES[key].k
    for point in (1, k):
        assert not labels[point]["fr"].isdigit()
        assert not labels[point]["en"].isdigit()
    assert labels[1] != labels[k]


def test_ease_1_7_ends_are_disagree_and_agree() -> None:
    # seed 000: "une échelle de 1 à 7, avec 1 = pas du tout et 7 = tout à fait"
    labels = question("1-7", "ease").labels()
    assert labels[1]["fr"] == "Pas du tout d'accord"
    assert labels[7]["fr"] == "Tout à fait d'accord"
    assert labels[1]["en"] == "Strongly disagree"
    assert labels[7]["en"] == "Strongly agree"


def test_effort_1_5_ends_are_very_low_and_very_high_effort() -> None:
    labels = question("1-5", "effort").labels()
    assert labels[1]["en"] == "Very low effort"
    assert labels[5]["en"] == "Very high effort"
    assert labels[3]["en"] == "Moderate effort"  # odd scale: the middle is named


def test_even_scale_has_no_named_middle() -> None:
    labels = question("1-10", "effort").labels()
    assert [labels[p]["en"] for p in range(2, 10)] == [str(p) for p in range(2, 10)]


@pytest.mark.parametrize("polarity", ALL_POLARITIES)
def test_happy_face_is_low_effort_and_matches_its_label_on_emoji_3(polarity: Polarity) -> None:
    """A face means the same effort whatever the polarity, and the face printed
    on a point's label parses back to that point.

    seed 003: the emoticon scale asks "A-t-il été facile ... ?" with "un émoticône
    content, un neutre et un mécontent": the happy face is the easy end.
    """
    q = Question(SCALES["emoji-3"], polarity)
    tokens = q.tokens()
    assert q.group_of(tokens["🙂"]) == "low"
    assert q.group_of(tokens["😞"]) == "high"
    for point, text in q.labels().items():
        face = text["en"].split(" ", 1)[0]
        assert tokens[face] == point, (polarity.value, point, face)
