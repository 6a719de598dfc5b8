"""``fluide recontacts``: bad lines named, --skip-invalid, both languages, --answers, outputs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv, write_xlsx

runner = CliRunner()
HEADER = ("customer_id", "contact_at", "channel", "resolved_at", "reason")


def invoke(*args: str):
    return runner.invoke(app, ["recontacts", *args])


def bad_log(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "contacts.csv",
        [
            ("a", "2026-03-27T10:00:00", "phone", "2026-03-27T12:00:00", "billing"),  # line 2
            ("", "2026-03-28T10:00:00", "phone", "", "billing"),  # 3: no customer
            ("b", "hier", "mail", "", "login"),  # 4: not a time
            ("c", "2026-03-29T10:00:00", "", "", "deux\nlignes"),  # 5-6: no channel
            ("e", "2026-03-29T10:00:00", "chat", "2026-03-29T09:00:00", ""),  # 7: too early
            ("f", "", "chat", "", ""),  # 8: no contact_at
            ("g", "2026-03-30T10:00:00", "chat", "pas encore", ""),  # 9: not a time
            ("a", "2026-03-30T10:00:00", "mail", "", ""),  # 10: fine
        ],
        HEADER,
    )


def test_bad_records_fail_with_exit_2_and_each_is_named_by_line(tmp_path: Path) -> None:
    result = invoke(str(bad_log(tmp_path)), "--format", "json", "--lang", "en")
    assert result.exit_code == 2
    assert result.stdout == ""
    err = result.stderr
    assert "6 invalid records; nothing was analysed." in err
    assert "line 3: customer_id: empty" in err
    assert "line 4: contact_at: not a date and time ('hier')" in err
    assert "line 5: channel: empty" in err  # the record starts on line 5, ends on 6
    assert (
        "line 7: resolved_at: before its contact_at ('2026-03-29T09:00:00+00:00') — "
        "allowed: a time at or after the contact's contact_at"
    ) in err
    assert "line 8: contact_at: empty — allowed: ISO 8601" in err
    assert "line 9: resolved_at: not a date and time ('pas encore')" in err


def test_bad_records_are_explained_in_french_by_default(tmp_path: Path) -> None:
    result = invoke(str(bad_log(tmp_path)))
    assert result.exit_code == 2
    assert "6 enregistrements invalides ; rien n'a été analysé." in result.stderr
    assert "ligne 7 : resolved_at : antérieur à son contact_at" in result.stderr
    assert "une heure égale ou postérieure au contact_at du contact" in result.stderr


def test_skip_invalid_computes_the_rest_and_reports_the_lines(tmp_path: Path) -> None:
    result = invoke(str(bad_log(tmp_path)), "--skip-invalid", "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["overall"]["contacts"] == 2  # lines 2 and 10
    assert doc["input"]["skipped"] == 6
    assert doc["input"]["skipped_lines"] == [3, 4, 5, 7, 8, 9]
    assert doc["warnings"][0]["code"] == "rows_skipped"
    assert "6 invalid records skipped:" in result.stderr
    assert "line 4: contact_at: not a date and time ('hier')" in result.stderr


def test_xlsx_errors_name_the_sheet_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "contacts.xlsx",
        [
            ("a", "2026-03-27T10:00:00", "phone", "", "x"),
            ("b", "demain", "phone", "", "x"),
            ("", "2026-03-27T10:00:00", "mail", "", "x"),
        ],
        HEADER,
    )
    result = invoke(str(path), "--lang", "en")
    assert result.exit_code == 2
    assert "row 3" not in result.stderr  # rows are named like lines
    assert "line 3: contact_at: not a date and time ('demain')" in result.stderr
    assert "line 4: customer_id: empty" in result.stderr


def test_xlsx_with_real_dates_is_read(tmp_path: Path) -> None:
    from datetime import datetime

    path = write_xlsx(
        tmp_path / "contacts.xlsx",
        [
            ("a", datetime(2026, 3, 27, 10), "phone", None, "x"),
            ("a", datetime(2026, 3, 28, 10), "mail", None, "x"),
            ("b", datetime(2026, 4, 10, 10), "mail", None, None),
        ],
        HEADER,
    )
    result = invoke(str(path), "--format", "json", "--by", "reason")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["overall"]["recontacted"], doc["overall"]["channel_switches"]) == (1, 1)
    assert [g["value"] for g in doc["groups"]["reason"]] == ["x", None]


def test_semicolons_and_a_bom_are_read(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "c.csv",
        [
            ("a", "2026-03-27T10:00:00Z", "phone", "", ""),
            ("a", "2026-04-27T10:00:00Z", "mail", "", ""),
        ],
        HEADER,
        delimiter=";",
        bom=True,
    )
    doc = json.loads(invoke(str(path), "--format", "json").stdout)
    assert doc["overall"]["episodes"] == 2


def test_missing_columns_and_unknown_by_are_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", [("a", "2026-03-27T10:00:00")], ("customer", "contact_at"))
    result = invoke(str(path), "--lang", "en")
    assert result.exit_code == 2
    assert "customer_id, channel missing" in result.stderr
    ok = write_csv(tmp_path / "d.csv", [("a", "2026-03-27", "phone", "", "")], HEADER)
    result = invoke(str(ok), "--by", "agent", "--lang", "en")
    assert result.exit_code == 2
    assert "--by agent: the file has no such column" in result.stderr
    result = invoke(str(ok), "--window", "0", "--lang", "en")
    assert result.exit_code == 2
    assert "--window must be at least 1 day, got 0." in result.stderr


# --- asked vs shown -------------------------------------------------------------------------


def answers_files(tmp_path: Path) -> tuple[Path, Path]:
    contacts = write_csv(
        tmp_path / "contacts.csv",
        [
            ("a", "2026-03-01T10:00:00Z", "phone", "", ""),
            ("a", "2026-03-03T10:00:00Z", "mail", "", ""),  # a recontact (2 days later)
            ("b", "2026-03-01T10:00:00Z", "phone", "", ""),
            ("z", "2026-03-30T10:00:00Z", "phone", "", ""),
        ],
        HEADER,
    )
    answers = write_csv(
        tmp_path / "ces.csv",
        [
            ("2026-03-04T10:00:00Z", 6, "a"),  # 1 day after a's recontact: recontacted
            ("2026-03-10T10:00:00Z", 5, "a"),  # exactly 7 days after: recontacted
            ("2026-03-20T10:00:00Z", 4, "a"),  # 17 days after: not
            ("2026-03-04T10:00:00Z", 2, "b"),  # b never recontacted
            ("2026-03-04T10:00:00Z", 1, "c"),  # c has no contact at all
            ("2026-03-04T10:00:00Z", 7, ""),  # no customer: left out, with a warning
        ],
        ("responded_at", "score", "customer_id"),
    )
    return contacts, answers


def test_answers_are_split_by_a_recent_recontact(tmp_path: Path) -> None:
    contacts, answers = answers_files(tmp_path)
    args = [str(contacts), "--answers", str(answers), "--scale", "1-7", "--polarity", "effort"]
    result = invoke(*args, "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.output
    a = json.loads(result.stdout)["answers"]
    assert set(a) == {"recontacted", "not_recontacted", "diff_mean", "diff_ci95"}
    rec, other = a["recontacted"], a["not_recontacted"]
    # recontacted: 6 and 5 -> n 2, mean 5.5; not: 4, 2, 1 -> n 3, mean 7/3.
    assert (rec["n"], rec["mean"]) == (2, 5.5)
    assert rec["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1, "6": 1, "7": 0}
    assert other["n"] == 3
    assert other["mean"] == pytest.approx(7 / 3)
    # The same block as analyze's (n, mean, ci95, effort_groups...).
    assert set(rec) >= {"n", "mean", "ci95", "effort_groups", "net_effort", "small_sample"}
    # diff = recontacted − not recontacted = 5.5 − 7/3 = 3.1667 scale points.
    assert a["diff_mean"] == pytest.approx(5.5 - 7 / 3)
    lo, hi = a["diff_ci95"]
    assert lo <= a["diff_mean"] <= hi
    again = json.loads(invoke(*args, "--format", "json").stdout)["answers"]
    assert again["diff_ci95"] == a["diff_ci95"]  # seeded
    codes = [w["code"] for w in json.loads(result.stdout)["warnings"]]
    assert "answers_without_customer" in codes


def test_answers_from_a_french_spreadsheet_export_are_read_as_analyze_reads_them(
    tmp_path: Path,
) -> None:
    # The same answers as answers_files, as French Excel writes them: `;`, a BOM,
    # dd/mm/yyyy hh:mm (20/03 settles day-first), a "Note" header.
    contacts, _ = answers_files(tmp_path)
    answers = write_csv(
        tmp_path / "ces_fr.csv",
        [
            ("04/03/2026 10:00", 6, "a"),
            ("10/03/2026 10:00", 5, "a"),
            ("20/03/2026 10:00", 4, "a"),
            ("04/03/2026 10:00", 2, "b"),
            ("04/03/2026 10:00", 1, "c"),
        ],
        ("Horodateur", "Note", "customer_id"),
        delimiter=";",
        bom=True,
    )
    args = [str(contacts), "--answers", str(answers), "--scale", "1-7", "--polarity", "effort"]
    result = invoke(*args, "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    a = doc["answers"]
    # As with ISO times: recontacted 6 and 5 (mean 5.5), the others 4, 2, 1.
    assert (a["recontacted"]["n"], a["recontacted"]["mean"]) == (2, 5.5)
    assert a["not_recontacted"]["n"] == 3
    assert "dates_ambiguous" not in [w["code"] for w in doc["warnings"]]
    # Without the day above 12, 04/03 and 10/03 read both ways: day-first for a `;`
    # file, and said so (month-first would put both answers in April and October).
    two = write_csv(
        tmp_path / "ces_two.csv",
        [("04/03/2026 10:00", 6, "a"), ("10/03/2026 10:00", 5, "a")],
        ("Horodateur", "Note", "customer_id"),
        delimiter=";",
        bom=True,
    )
    args[2] = str(two)
    doc = json.loads(invoke(*args, "--format", "json", "--lang", "en").stdout)
    assert (doc["answers"]["recontacted"]["n"], doc["answers"]["not_recontacted"]["n"]) == (2, 0)
    ambiguous = [w for w in doc["warnings"] if w["code"] == "dates_ambiguous"]
    assert ambiguous and ambiguous[0]["params"]["reading"] == "day_first"


def test_answers_need_a_customer_id_column_and_good_lines(tmp_path: Path) -> None:
    contacts, _ = answers_files(tmp_path)
    no_customer = write_csv(
        tmp_path / "x.csv", [("2026-03-04T10:00:00Z", 6)], ("responded_at", "score")
    )
    args = ["--scale", "1-7", "--polarity", "effort", "--lang", "en"]
    result = invoke(str(contacts), "--answers", str(no_customer), *args)
    assert result.exit_code == 2
    assert "needs a customer_id column" in result.stderr
    bad = write_csv(
        tmp_path / "y.csv",
        [("2026-03-04T10:00:00Z", 6, "a"), ("2026-03-04T10:00:00Z", 9, "a")],
        ("responded_at", "score", "customer_id"),
    )
    result = invoke(str(contacts), "--answers", str(bad), *args)
    assert result.exit_code == 2
    assert "--answers y.csv: 1 invalid records" in result.stderr
    assert "line 3: score: outside the scale ('9')" in result.stderr


# --- text and HTML ----------------------------------------------------------------------------


def hostile_log(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "c.csv",
        [
            (
                "<b>a</b>",
                "2026-03-02T10:00:00Z",
                "phone",
                "2026-03-02T12:00:00Z",
                "<script>alert(1)</script>",
            ),
            ("<b>a</b>", "2026-03-03T10:00:00Z", "mail", "", "<script>alert(1)</script>"),
            ("b", "2026-03-20T10:00:00Z", "mail", "", ""),
        ],
        HEADER,
    )


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_html_is_escaped_and_in_both_languages(tmp_path: Path, lang: str) -> None:
    contacts, answers = answers_files(tmp_path)
    result = invoke(
        str(hostile_log(tmp_path)), "--by", "reason", "--format", "html", "--lang", lang
    )
    assert result.exit_code == 0, result.output
    html = result.stdout
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<svg" in html  # the weekly chart
    assert ("Taux de recontact" if lang == "fr" else "Recontact rate") in html
    args = ["--answers", str(answers), "--scale", "1-7", "--polarity", "effort"]
    both = invoke(str(contacts), *args, "--format", "html", "--lang", lang).stdout
    assert both.count("<svg") >= 2  # the weekly rate and the two CES distributions
    assert ("Effort déclaré" if lang == "fr" else "Asked effort") in both


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_text_output_in_both_languages(tmp_path: Path, lang: str) -> None:
    contacts, answers = answers_files(tmp_path)
    args = ["--answers", str(answers), "--scale", "1-7", "--polarity", "effort", "--by", "reason"]
    result = invoke(str(contacts), *args, "--lang", lang)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert ("Taux de recontact" if lang == "fr" else "Recontact rate") in out
    assert (
        "Avec recontact moins sans recontact" if lang == "fr" else "Recontacted minus not"
    ) in out


def test_output_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "r" / "report.html"
    result = invoke(str(hostile_log(tmp_path)), "--format", "html", "--output", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


@pytest.mark.parametrize("fmt", ["text", "json", "html"])
def test_a_file_without_contacts_gives_empty_figures(tmp_path: Path, fmt: str) -> None:
    path = write_csv(tmp_path / "c.csv", [], HEADER)
    result = invoke(str(path), "--format", fmt, "--lang", "en")
    assert result.exit_code == 0, result.output
    if fmt == "json":
        doc = json.loads(result.stdout)
        assert doc["overall"]["contacts"] == 0
        assert doc["overall"]["recontact_rate"] is None
        assert doc["weekly"] == []
