"""``fluide loyalty`` and ``fluide drivers`` on files: figures, bad lines named, languages, HTML."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv, write_xlsx

runner = CliRunner()
ANSWERS = ("customer_id", "responded_at", "score", "channel", "plan")
OUTCOMES = ("customer_id", "occurred_at", "outcome")
EFFORT = ("--scale", "1-7", "--polarity", "effort")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def answers(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "answers.csv",
        [
            ("a", "2026-01-01T10:00:00", 1, "web", "pro"),  # low; renews only
            ("b", "2026-01-02T10:00:00", 7, "phone", "<script>alert(1)</script>"),  # high; churns
            ("c", "2026-01-03T10:00:00", 6, "phone", "pro"),  # high; churns after 90 days
            ("a", "2026-03-01T10:00:00", 2, "web", ""),  # low, same customer again
            ("d", "2026-01-05T10:00:00", 2, "web", "pro"),  # low; churns on day 90 exactly
        ],
        ANSWERS,
    )


def outcomes(tmp_path: Path, rows=None) -> Path:
    return write_csv(
        tmp_path / "outcomes.csv",
        rows
        or [
            ("b", "2026-02-01T00:00:00", "churned"),
            ("c", "2026-06-01T00:00:00", "churned"),
            ("d", "2026-04-05T10:00:00", "churned"),
            ("a", "2026-07-01T00:00:00", "renewed"),
        ],
        OUTCOMES,
        delimiter=";",
        bom=True,
    )


def test_loyalty_counts_each_answer_as_defined(tmp_path: Path) -> None:
    r = invoke(
        "loyalty",
        str(answers(tmp_path)),
        "--outcomes",
        str(outcomes(tmp_path)),
        *EFFORT,
        "--by",
        "plan",
        "--format",
        "json",
        "--lang",
        "en",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["until"] == "2026-07-01T00:00:00+00:00"  # the latest time in either file
    low, high = doc["by_group"]["low"], doc["by_group"]["high"]
    # Low: a (Jan 1), a (Mar 1), d (Jan 5, churned Apr 5 10:00 = +90 days exactly): 1 of 3.
    assert (low["answers"], low["observed"], low["followed"]) == (3, 3, 1)
    # High: b churned within 90 days; c churned 149 days after: 1 of 2.
    assert (high["answers"], high["observed"], high["followed"]) == (2, 2, 1)
    assert high["rate"] == 50.0
    # RR = 0.5 / (1/3) = 1.5.
    assert abs(doc["relative_risk"]["high_vs_low"] - 1.5) < 1e-12
    assert doc["by_score"]["7"]["followed"] == 1
    plans = {row["value"]: row["by_group"] for row in doc["groups"]["plan"]}
    assert plans["pro"]["low"]["answers"] == 2 and doc["groups"]["plan"][-1]["value"] is None
    assert {w["code"] for w in doc["warnings"]} == {"few_followed"}


def test_until_cuts_what_is_observed(tmp_path: Path) -> None:
    r = invoke(
        "loyalty",
        str(answers(tmp_path)),
        "--outcomes",
        str(outcomes(tmp_path)),
        *EFFORT,
        "--until",
        "2026-04-01",
        "--horizon",
        "60",
        "--format",
        "json",
    )
    doc = json.loads(r.stdout)
    # Observed when t + 60 days <= Apr 1: the January answers only (a, b, c, d), not a's of Mar 1.
    assert doc["by_group"]["low"]["observed"] == 2
    assert doc["by_group"]["high"]["observed"] == 2


def test_bad_outcome_records_are_named_by_line(tmp_path: Path) -> None:
    bad = outcomes(
        tmp_path,
        [
            ("b", "2026-02-01T00:00:00", "churned"),  # line 2
            ("", "2026-02-01T00:00:00", "churned"),  # 3: no customer
            ("c", "hier", "churned"),  # 4: not a time
            ("d", "2026-02-01T00:00:00", ""),  # 5: no outcome
        ],
    )
    r = invoke("loyalty", str(answers(tmp_path)), "--outcomes", str(bad), *EFFORT, "--lang", "en")
    assert r.exit_code == 2
    assert "--outcomes outcomes.csv: 3 invalid records; nothing was analysed." in r.stderr
    assert "line 3: customer_id: empty" in r.stderr
    assert "line 4: occurred_at: not a date and time ('hier')" in r.stderr
    assert "line 5: outcome: empty" in r.stderr
    r = invoke(
        "loyalty",
        str(answers(tmp_path)),
        "--outcomes",
        str(bad),
        *EFFORT,
        "--skip-invalid",
        "--format",
        "json",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["input"]["outcomes_skipped_lines"] == [3, 4, 5]


def test_outcomes_from_a_spreadsheet_name_the_sheet_row(tmp_path: Path) -> None:
    path = write_xlsx(
        tmp_path / "outcomes.xlsx",
        [("b", "2026-02-01T00:00:00", "churned"), ("c", "pas une date", "churned")],
        OUTCOMES,
    )
    r = invoke("loyalty", str(answers(tmp_path)), "--outcomes", str(path), *EFFORT, "--lang", "en")
    assert r.exit_code == 2
    assert "line 3: occurred_at: not a date and time ('pas une date')" in r.stderr


def test_missing_columns_are_named(tmp_path: Path) -> None:
    no_customer = write_csv(
        tmp_path / "a.csv", [("2026-01-01T10:00:00", 3)], ("responded_at", "score")
    )
    r = invoke(
        "loyalty", str(no_customer), "--outcomes", str(outcomes(tmp_path)), *EFFORT, "--lang", "en"
    )
    assert r.exit_code == 2 and "needs a customer_id column" in r.stderr
    bad = write_csv(tmp_path / "o.csv", [("a", "2026-01-01")], ("customer_id", "date"))
    r = invoke("loyalty", str(answers(tmp_path)), "--outcomes", str(bad), *EFFORT, "--lang", "en")
    assert r.exit_code == 2 and "occurred_at, outcome missing" in r.stderr


def test_loyalty_text_and_html_in_both_languages(tmp_path: Path) -> None:
    base = ["loyalty", str(answers(tmp_path)), "--outcomes", str(outcomes(tmp_path)), *EFFORT]
    fr = invoke(*base)
    assert (
        "50\u00a0% des clients ayant vécu une expérience à effort élevé "
        "sont partis dans les 90 jours" in fr.stdout
    )
    en = invoke(*base, "--lang", "en")
    assert "50% of customers who had a high-effort experience left within 90 days" in en.stdout
    assert "95% intervals: 9.5% – 90.5% after high effort" in en.stdout
    html = invoke(*base, "--by", "plan", "--format", "html", "--lang", "en").stdout
    assert "<svg" in html and "<script>alert" not in html and "&lt;script&gt;" in html


def test_drivers_rank_features_and_escape_levels(tmp_path: Path) -> None:
    path = answers(tmp_path)
    r = invoke("drivers", str(path), *EFFORT, "--features", "channel,plan", "--format", "json")
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["n"] == 5 and [d["feature"] for d in doc["drivers"]] == ["channel", "plan"]
    assert abs(sum(d["share"] for d in doc["drivers"]) - 1) < 1e-9
    html = invoke("drivers", str(path), *EFFORT, "--features", "plan", "--format", "html").stdout
    assert "<svg" in html and "<script>" not in html
    fr = invoke("drivers", str(path), *EFFORT, "--features", "plan").stdout
    assert "corrélation" in fr


def test_drivers_unknown_feature_and_too_many_are_refused(tmp_path: Path) -> None:
    path = answers(tmp_path)
    r = invoke("drivers", str(path), *EFFORT, "--features", "channel,nope", "--lang", "en")
    assert r.exit_code == 2
    assert "--features nope: the file has no such column" in r.stderr
    many = ",".join(f"c{i}" for i in range(11))
    r = invoke("drivers", str(path), *EFFORT, "--features", many, "--lang", "en")
    assert r.exit_code == 2 and "at most 10" in r.stderr


def test_bad_answer_lines_are_named(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "answers.csv",
        [("a", "2026-01-01T10:00:00", 9, "web", "pro"), ("b", "hier", 3, "web", "pro")],
        ANSWERS,
    )
    r = invoke("drivers", str(path), *EFFORT, "--features", "plan", "--lang", "en")
    assert r.exit_code == 2
    assert "line 2: score" in r.stderr and "line 3: responded_at" in r.stderr
