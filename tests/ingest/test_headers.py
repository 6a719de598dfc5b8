"""Headers found by their usual names, the score column suggested, two header lines, row ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app
from fluide.ingest.errors import InputError
from fluide.ingest.headers import header_key
from fluide.ingest.source import open_source, resolve_columns
from tests.factories import write_csv, write_xlsx

Q5 = ("--scale", "1-5", "--polarity", "ease")


def fields(path: Path, mapping: dict[str, str] | None = None, **kw: object) -> dict[str, str]:
    with open_source(path, **kw) as src:  # type: ignore[arg-type]
        return dict(resolve_columns(src, mapping or {}, ()).fields)


def analyze(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(
        app, ["analyze", *args, "--format", "json", "--no-frictions", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def refused(*args: str) -> str:
    result = CliRunner().invoke(app, ["analyze", *args, "--lang", "en"])
    assert result.exit_code == 2, result.output
    return result.stderr


def test_usual_names_are_found_whatever_case_accents_and_punctuation(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "e.csv",
        [("07/12", "4", "ok")],
        ("  DATE DE RÉPONSE ", "réponse", "Pourquoi ?"),
    )
    assert fields(path) == {
        "responded_at": "  DATE DE RÉPONSE ",
        "score": "réponse",
        "comment": "Pourquoi ?",
    }
    assert header_key("Submit-Date (UTC)") == header_key("submit date utc")


@pytest.mark.parametrize(
    ("header", "time"),
    [
        (("Start Date", "End Date", "Score"), "End Date"),
        (("Start Date (UTC)", "Submit Date (UTC)", "Score"), "Submit Date (UTC)"),
        (("Created At", "Score"), "Created At"),
    ],
)
def test_the_submission_time_is_preferred_to_the_start(
    tmp_path: Path, header: tuple[str, ...], time: str
) -> None:
    path = write_csv(tmp_path / "e.csv", [tuple("1" for _ in header)], header)
    assert fields(path)["responded_at"] == time


def test_exact_canonical_name_and_map_win_over_synonyms(tmp_path: Path) -> None:
    header = ("Timestamp", "responded_at", "Note", "score", "Rating")
    path = write_csv(tmp_path / "e.csv", [("1", "2", "3", "4", "5")], header)
    assert fields(path)["responded_at"] == "responded_at"
    assert fields(path)["score"] == "score"
    assert fields(path, {"score": "rating"})["score"] == "Rating"


def test_two_synonyms_of_one_field_are_an_error_naming_both(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [("2026-12-07", "4", "5")], ("Date", "Note", "Rating"))
    with pytest.raises(InputError) as exc:
        fields(path)
    assert exc.value.params["columns"] == "Note, Rating"
    assert exc.value.params["choice"] == '--map score="Note" or --map score="Rating"'
    assert fields(path, {"score": "Rating"})["score"] == "Rating"


def test_without_a_score_column_the_columns_holding_answers_are_suggested(
    tmp_path: Path,
) -> None:
    header = ("#", "Horodateur", "Quel effort ?", "Pourquoi ?", "Votre âge", "Plan")
    rows = [
        ("1", "2026-12-07 10:00", "Très facile", "ok", "34", "pro"),
        ("2", "2026-12-07 11:00", " facile", "", "51", "pro"),
        ("3", "2026-12-07 12:00", "3", "bof", "", "starter"),
    ]
    path = write_csv(tmp_path / "e.csv", rows, header)
    err = refused(str(path), *Q5)
    # Not the row id (#), not an age (out of scale), not the comment or the plan.
    assert (
        'These columns hold only answers of the scale: choose one with --map score="Quel effort ?".'
        in err
    )
    analyze(str(path), *Q5, "--map", "score=Quel effort ?")


def test_typeform_id_column_is_never_a_score_nor_offered_to_group_by(tmp_path: Path) -> None:
    header = ("#", "How easy was it?", "Submit Date (UTC)")
    path = write_csv(tmp_path / "e.csv", [("1", "5", "2026-12-07 10:00:00")] * 3, header)
    err = refused(str(path), *Q5)
    assert '--map score="How easy was it?".' in err and '--map score="#"' not in err
    err = refused(str(path), *Q5, "--map", "score=How easy was it?", "--by", "plan")
    assert "its columns are: How easy was it?, Submit Date (UTC)" in err
    doc = analyze(str(path), *Q5, "--map", "score=How easy was it?")
    assert doc["overall"]["n"] == 3  # type: ignore[index]


SURVEYMONKEY = [
    ("Respondent ID", "Start Date", "End Date", "How easy was it?", "", "Comments"),
    ("", "", "", "Response", "Other (please specify)", "Open-Ended Response"),
    ("11", "2026-12-07 10:00:00", "2026-12-07 10:01:00", "Very easy", "", "great"),
    ("12", "2026-12-07 11:00:00", "2026-12-07 11:01:00", "Wonderful", "", ""),
    ("13", "2026-12-07 12:00:00", "2026-12-07 12:01:00", "Difficult", "", "slow"),
]


def test_a_second_header_line_is_detected_and_named_columns_merged(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SURVEYMONKEY[1:], SURVEYMONKEY[0])
    with open_source(path) as src:
        assert src.header_rows == 2
        assert src.header == (
            "Respondent ID",
            "Start Date",
            "End Date",
            "How easy was it?",
            "Other (please specify)",
            "Comments",
        )
    result = CliRunner().invoke(
        app, ["analyze", str(path), *Q5, "--map", "score=How easy was it?", "--lang", "en"]
    )
    # Lines as in the file: the second answer is line 4.
    assert "line 4: How easy was it?: not a number ('Wonderful')" in result.stderr
    doc = analyze(str(path), *Q5, "--map", "score=How easy was it?", "--skip-invalid")
    assert doc["overall"]["distribution"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}  # type: ignore[index]


def test_header_rows_can_be_forced_either_way(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", SURVEYMONKEY[1:], SURVEYMONKEY[0])
    # Forced to one line, SurveyMonkey's empty name under "Other" is refused as before.
    with pytest.raises(InputError, match="empty column name"), open_source(path, header_rows=1):
        pass
    # A line of answers with no digit at all is not taken for a header unless asked.
    rows = [("x", "Very easy"), ("y", "Easy")]
    plain = write_csv(tmp_path / "p.csv", rows, ("Respondent", "Rating"))
    with open_source(plain) as src:
        assert src.header_rows == 1
    with open_source(plain, header_rows=2) as src:
        assert src.header_rows == 2 and src.skip == 1
    with pytest.raises(InputError, match="header-rows"), open_source(plain, header_rows=3):
        pass


def test_a_spreadsheet_with_two_header_lines_names_its_rows(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", SURVEYMONKEY[1:], SURVEYMONKEY[0])
    result = CliRunner().invoke(
        app, ["analyze", str(path), *Q5, "--map", "score=How easy was it?", "--lang", "en"]
    )
    assert "line 4: How easy was it?: not a number ('Wonderful')" in result.stderr  # sheet row 4
