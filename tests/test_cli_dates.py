"""`fluide analyze`/`compare` on dates as spreadsheets write them, and `analyze --inspect`."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv, write_xlsx

runner = CliRunner()
HEADER = ("Horodateur", "Note", "Commentaire")
MAP = ("--map", "responded_at=Horodateur", "--map", "score=Note", "--map", "comment=Commentaire")
Q = ("--scale", "1-5", "--polarity", "effort", "--no-frictions", *MAP)


def invoke(*args: str):
    return runner.invoke(app, list(args))


def french_excel_export(tmp_path: Path, rows: list[tuple[object, ...]]) -> Path:
    """What Excel in French saves as "CSV UTF-8": `;`, a BOM, dd/mm/yyyy hh:mm."""
    return write_csv(tmp_path / "export.csv", rows, HEADER, delimiter=";", bom=True)


AMBIGUOUS = [("07/12/2026 14:30", 2, ""), ("08/12/2026 09:05", 4, ""), ("01/12/2026 10:00", 3, "")]


def test_a_french_excel_export_is_analysed_with_the_ambiguity_said(tmp_path: Path) -> None:
    path = french_excel_export(tmp_path, AMBIGUOUS)
    result = invoke("analyze", str(path), *Q, "--small-sample", "1")
    assert result.exit_code == 0, result.output
    assert "elles ont été lues jour en premier (jj/mm/aaaa hh:mm)" in result.stdout
    doc = json.loads(invoke("analyze", str(path), *Q, "--format", "json").stdout)
    # 2026-12-01 is in W49, the 7th and 8th in W50: day first, as written.
    assert [(w["week"], w["own_n"]) for w in doc["weekly"]] == [("2026-W49", 1), ("2026-W50", 2)]
    assert doc["overall"]["mean"] == 3.0
    html = invoke("analyze", str(path), *Q, "--format", "html", "--lang", "en").stdout
    assert "they were read day first (dd/mm/yyyy hh:mm)" in html


def test_date_format_forces_the_reading_in_analyze_and_compare(tmp_path: Path) -> None:
    path = french_excel_export(tmp_path, AMBIGUOUS)
    doc = json.loads(
        invoke(
            "analyze", str(path), *Q, "--format", "json", "--date-format", "%m/%d/%Y %H:%M"
        ).stdout
    )
    assert (doc["input"]["first"], doc["input"]["last"]) == ("2026-01-12", "2026-08-12")
    assert not [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"]
    result = invoke(
        "compare",
        str(path),
        *Q[:4],
        *MAP,
        "--change-date",
        "2026-08-01",
        "--date-format",
        "%m/%d/%Y %H:%M",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    cmp = json.loads(result.stdout)
    # Before 2026-08-01: July 12 (2) and January 12 (3); after: August 12 (4).
    assert (cmp["before"]["n"], cmp["before"]["mean"]) == (2, 2.5)
    assert (cmp["after"]["n"], cmp["after"]["mean"]) == (1, 4.0)


def test_bad_dates_name_every_line_and_the_reading_chosen(tmp_path: Path) -> None:
    rows = [("13/12/2026 14:30", 2, ""), ("31/02/2026 10:00", 4, ""), ("30/02/2026 10:00", 5, "")]
    result = invoke("analyze", str(french_excel_export(tmp_path, rows)), *Q)
    assert result.exit_code == 2
    assert (
        "lignes 3-4 : Horodateur : pas une date et heure ('31/02/2026 10:00', '30/02/2026 10:00')"
        " — valeurs possibles : jj/mm/aaaa hh:mm (lecture choisie pour la colonne Horodateur :"
        " jour en premier)"
    ) in result.stderr


def test_mixed_formats_say_what_was_tried_and_the_lines_that_break_the_best(
    tmp_path: Path,
) -> None:
    rows = [
        ("13/12/2026 14:30", 2, ""),
        ("2026-12-14 10:00", 4, ""),
        ("14/12/2026 10:00", 4, ""),
        ("hier", 1, ""),
    ]
    path = write_csv(tmp_path / "e.csv", rows, HEADER)
    result = invoke("analyze", str(path), *Q, "--lang", "en")
    assert result.exit_code == 2
    assert (
        "lines 3, 5: Horodateur: not a date and time ('2026-12-14 10:00', 'hier') — allowed: "
        "dd/mm/yyyy hh:mm (no reading fits every date of column Horodateur; this one, day first,"
        " fits the most; also tried: ISO 8601: 1 value)"
    ) in result.stderr
    skipped = invoke("analyze", str(path), *Q, "--skip-invalid", "--format", "json")
    assert json.loads(skipped.stdout)["input"]["skipped_lines"] == [3, 5]


def test_bad_dates_in_a_spreadsheet_name_the_sheet_row(tmp_path: Path) -> None:
    rows = [("13/12/2026 14:30", 2, ""), ("pas une date", 4, ""), ("14/12/2026 10:00", 4, "")]
    path = write_xlsx(tmp_path / "e.xlsx", rows, HEADER)
    result = invoke("analyze", str(path), *Q, "--lang", "en")
    assert result.exit_code == 2
    assert "line 3: Horodateur: not a date and time ('pas une date')" in result.stderr


def test_inspect_says_how_the_file_is_read_without_analysing(tmp_path: Path) -> None:
    rows = [*AMBIGUOUS, ("13/12/2026 18:00", 5, "long")]
    path = french_excel_export(tmp_path, rows)
    result = invoke("analyze", "--inspect", str(path), *MAP, "--lang", "en", "--tz", "Europe/Paris")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "CSV, delimiter ';', encoding utf-8 (BOM), header on line 1" in out
    assert (
        "responded_at ← Horodateur: '07/12/2026 14:30', '08/12/2026 09:05', '01/12/2026 10:00'"
        in out
    )
    assert "Dates (column Horodateur): day first, dd/mm/yyyy hh:mm" in out
    assert "Why: '13/12/2026 18:00' on line 5 reads only day first" in out
    assert "'07/12/2026 14:30' → 2026-12-07T14:30:00+01:00" in out
    assert "CES" not in out  # nothing analysed


def test_inspect_json_is_a_stable_document(tmp_path: Path) -> None:
    path = french_excel_export(tmp_path, AMBIGUOUS)
    result = invoke("analyze", "--inspect", str(path), *MAP, "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {
        "file",
        "format",
        "sheet",
        "delimiter",
        "encoding",
        "bom",
        "header_line",
        "header_rows",
        "header",
        "columns",
        "other_columns",
        "dates",
        "score_missing",
        "readable",
        "problems",
    }
    assert (doc["format"], doc["delimiter"], doc["bom"], doc["readable"]) == (
        "csv",
        ";",
        True,
        True,
    )
    assert doc["columns"]["score"] == {"column": "Note", "samples": ["2", "4", "3"]}
    assert doc["columns"]["touchpoint"] is None
    d = doc["dates"]
    assert (d["reading"], d["format"], d["rule"], d["ambiguous"]) == (
        "day_first",
        "%d/%m/%Y %H:%M",
        "lang",
        True,
    )
    assert d["samples"][0] == {"value": "07/12/2026 14:30", "read": "2026-12-07T14:30:00+00:00"}
    assert (d["values"], d["bad_count"], d["bad_lines"]) == (3, 0, [])
    assert (doc["header_rows"], doc["score_missing"]) == (1, None)


def test_inspect_without_a_score_column_shows_the_rest_and_the_map_to_paste(
    tmp_path: Path,
) -> None:
    # A Google Forms export heads the score with the question's text.
    path = tmp_path / "forms.csv"
    path.write_text(
        "Horodateur,Était-ce facile ?,Pourquoi ?\n"
        "16/11/2026 14:53:39,4,Rapide\n"
        "17/11/2026 09:14:30,2,Trop long\n",
        encoding="utf-8",
    )
    result = invoke("analyze", "--inspect", str(path), "--format", "json", "--lang", "fr")
    assert result.exit_code == 2, result.output
    doc = json.loads(result.stdout)
    assert doc["readable"] is False
    assert '--map score="Était-ce facile ?"' in doc["score_missing"]
    assert doc["columns"]["comment"]["column"] == "Pourquoi ?"
    assert doc["dates"]["reading"] == "day_first"
    text = invoke("analyze", "--inspect", str(path), "--lang", "en")
    assert text.exit_code == 2
    assert "score ← ? " in text.stdout and '--map score="Était-ce facile ?"' in text.stdout


def test_inspect_says_when_it_read_two_header_lines(tmp_path: Path) -> None:
    # SurveyMonkey: the second line names the answer type, it holds no answer.
    path = tmp_path / "monkey.csv"
    path.write_text(
        "Respondent ID,End Date,How easy was it?,Comments\n"
        ",,Response,Open-Ended Response\n"
        "1,11/16/2026 04:38:47 PM,Easy,Quick\n"
        "2,11/17/2026 11:23:42 AM,Very easy,\n",
        encoding="utf-8",
    )
    args = ("analyze", "--inspect", str(path), "--scale", "1-5", "--polarity", "ease")
    result = invoke(*args, "--map", "score=How easy was it?", "--format", "json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["header_rows"] == 2
    assert doc["columns"]["score"]["samples"] == ["Easy", "Very easy"]
    assert doc["dates"]["samples"][0]["read"] == "2026-11-16T16:38:47+00:00"
    text = invoke(*args, "--map", "score=How easy was it?", "--lang", "en")
    assert "Two header lines" in text.stdout


def test_inspect_of_unreadable_dates_exits_2_and_says_why(tmp_path: Path) -> None:
    rows = [
        ("13/12/2026 14:30", 2, ""),
        ("14/12/2026 10:00", 2, ""),
        ("2026-12-14 10:00", 4, ""),
        ("hier", 1, ""),
    ]
    path = write_csv(tmp_path / "e.csv", rows, HEADER)
    result = invoke("analyze", "--inspect", str(path), *MAP, "--lang", "en")
    assert result.exit_code == 2
    assert "Why: no reading fits every value: this one fits the most (2 of 4)" in result.stdout
    assert "2 dates cannot be read; first lines: 4, 5" in result.stdout
    bad = "lines 4-5: Horodateur: not a date and time ('2026-12-14 10:00', 'hier')"
    assert bad in result.stdout
    doc = json.loads(invoke("analyze", "--inspect", str(path), *MAP, "--format", "json").stdout)
    assert doc["readable"] is False and doc["dates"]["bad_lines"] == [4, 5]
    assert {t["reading"] for t in doc["dates"]["tried"]} == {"day_first", "iso"}


def test_inspect_of_a_spreadsheet_reads_serials(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [(46363.5, 3, ""), (46364.25, 4, "")], HEADER)
    result = invoke(
        "analyze", "--inspect", str(path), *MAP, "--format", "json", "--tz", "Europe/Paris"
    )
    assert result.exit_code == 0, result.output
    d = json.loads(result.stdout)["dates"]
    # 46363 days after 1899-12-30 is 2026-12-07; .5 is noon, .25 six in the morning.
    assert d["reading"] == "excel_serial"
    assert [s["read"] for s in d["samples"]] == [
        "2026-12-07T12:00:00+01:00",
        "2026-12-08T06:00:00+01:00",
    ]
