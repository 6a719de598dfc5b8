"""Score cells written as words, --labels, good/bad, and numbers written 4,0."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app
from fluide.domain.scales import SCALES, Polarity, Question
from fluide.ingest.answers import check_labels, parse_labels
from fluide.ingest.errors import InputError
from tests.factories import answer, write_csv


def run(path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        app, ["analyze", str(path), *args, "--format", "json", "--no-frictions", "--lang", "en"]
    )
    return result.exit_code, result.stdout, result.stderr


def distribution(path: Path, *args: str) -> dict[str, int]:
    code, out, err = run(path, *args)
    assert code == 0, err
    return json.loads(out)["overall"]["distribution"]  # type: ignore[no-any-return]


def export(tmp_path: Path, *scores: object) -> Path:
    return write_csv(tmp_path / "e.csv", [answer(score=s) for s in scores])


def test_words_are_read_in_any_spelling_on_both_polarities(tmp_path: Path) -> None:
    path = export(tmp_path, "Très facile", "TRES FACILE", " très  Facile ", "Difficile", "4,0")
    assert distribution(path, "--scale", "1-5", "--polarity", "ease") == {
        "1": 0, "2": 1, "3": 0, "4": 1, "5": 3,
    }  # fmt: skip
    # Numbers are points whatever the polarity: 4,0 stays 4.
    assert distribution(path, "--scale", "1-5", "--polarity", "effort") == {
        "1": 3, "2": 0, "3": 0, "4": 2, "5": 0,
    }  # fmt: skip


def test_agreement_on_seven_points_and_faces(tmp_path: Path) -> None:
    path = export(tmp_path, "Plutôt d'accord", "Strongly agree", "pas du tout d’accord")
    assert distribution(path, "--scale", "1-7", "--polarity", "ease") == {
        "1": 1, "2": 0, "3": 0, "4": 0, "5": 1, "6": 0, "7": 1,
    }  # fmt: skip
    faces = export(tmp_path, "🙂", "😞", "😐")
    assert distribution(faces, "--scale", "emoji-3", "--polarity", "effort") == {
        "1": 1, "2": 1, "3": 1,
    }  # fmt: skip


def test_a_wording_on_another_scale_is_a_bad_line(tmp_path: Path) -> None:
    path = export(tmp_path, 5, "Très facile")
    code, _out, err = run(path, "--scale", "1-7", "--polarity", "ease")
    assert code == 2
    assert "line 3: score: not a number ('Très facile')" in err


def test_numbers_written_with_a_decimal_comma_or_point(tmp_path: Path) -> None:
    path = export(tmp_path, "4,0", "4.0", "4")
    assert distribution(path, "--scale", "1-5", "--polarity", "ease")["4"] == 3


def test_labels_give_other_words_their_points(tmp_path: Path) -> None:
    path = export(tmp_path, "Bof", "super", "Très facile")
    q5 = ("--scale", "1-5", "--polarity", "ease")
    assert distribution(path, *q5, "--labels", "Bof=3, Super=5") == {
        "1": 0, "2": 0, "3": 1, "4": 0, "5": 2,
    }  # fmt: skip
    # Without them, Bof and super are bad lines named by line.
    code, _out, err = run(path, *q5)
    assert code == 2 and "lines 2-3: score: not a number ('Bof', 'super')" in err


def test_an_unknown_label_is_a_named_bad_line(tmp_path: Path) -> None:
    path = export(tmp_path, "Bof", "Moyen")
    code, _out, err = run(path, "--scale", "1-5", "--polarity", "ease", "--labels", "Bof=3")
    assert code == 2
    assert "line 3: score: not a number nor a known wording (see --labels) ('Moyen')" in err


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Bof", "LABEL=POINT"),
        ("=3", "LABEL=POINT"),
        ("Bof=trois", "whole number"),
        ("Bof=3,bof=4", "two points"),
    ],
)
def test_labels_that_cannot_be_read_are_refused(text: str, message: str) -> None:
    with pytest.raises(InputError) as exc:
        parse_labels(text)
    assert message in exc.value.message


def test_labels_outside_the_scale_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError) as exc:
        check_labels(parse_labels("Bof=3,Top=6"), Question(SCALES["1-5"], Polarity.EASE))
    assert exc.value.params["label"] == "Top" and exc.value.params["allowed"] == "1, 2, 3, 4, 5"
    code, _out, err = run(export(tmp_path, 3), "--scale", "1-5", "--polarity", "ease",
                          "--labels", "Top=6")  # fmt: skip
    assert code == 2 and "--labels Top=6: the point is outside the scale 1-5" in err


def test_good_and_bad_are_read_only_on_the_good_bad_scale(tmp_path: Path) -> None:
    path = export(tmp_path, "Good", "bad", "GOOD", "Bon")
    assert distribution(path, "--scale", "good-bad", "--polarity", "ease") == {"1": 1, "2": 3}
    code, _out, err = run(path, "--scale", "1-5", "--polarity", "ease")
    assert code == 2 and "not a number ('Good', 'bad', 'GOOD', …)" in err


def test_good_bad_mixed_with_numbers_is_a_named_bad_line(tmp_path: Path) -> None:
    path = export(tmp_path, "Good", "4", "2")
    code, _out, err = run(path, "--scale", "good-bad", "--polarity", "ease")
    assert code == 2
    assert "lines 3-4: score: outside the scale ('4', '2') — allowed: bad, good" in err
