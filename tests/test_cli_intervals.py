"""`fluide analyze` / `fluide compare`: text and HTML show intervals a person can read (cut
to the scale, "too few answers" under five answers); the JSON keeps the exact Student-t one."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import write_csv

runner = CliRunner()
ARGS = ("--scale", "1-7", "--polarity", "ease", "--tz", "Europe/Paris")


@pytest.fixture
def export(tmp_path: Path) -> Path:
    """« payer »: answers 3 and 6 (interval [-14.56, 23.56]); « activer »: five 1s and a 7
    (mean 2, interval [-0.57, 4.57], under the scale's 1)."""
    rows = [
        (f"2026-11-{10 + i}T10:00:00+01:00", s, "", "payer", "success", "2025-01-01")
        for i, s in enumerate([3, 6])
    ] + [
        (f"2026-11-{10 + i}T11:00:00+01:00", s, "", "activer", "success", "2025-01-01")
        for i, s in enumerate([1, 1, 1, 1, 1, 7])
    ]
    return write_csv(tmp_path / "export.csv", rows)


def run(*args: str) -> str:
    # A wide terminal, whatever the test before left: rows must not wrap.
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.stdout


def by_touchpoint(doc: dict[str, object]) -> dict[str, list[float]]:
    groups = doc["groups"]["touchpoint"]  # type: ignore[index]
    return {g["value"]: g["ci95"] for g in groups}


def test_json_keeps_the_exact_student_t_interval(export: Path) -> None:
    doc = json.loads(run("analyze", str(export), *ARGS, "--by", "touchpoint", "--format", "json"))
    ci = by_touchpoint(doc)
    assert ci["payer"] == pytest.approx([-14.5593, 23.5593], abs=1e-4)
    assert ci["activer"] == pytest.approx([-0.5706, 4.5706], abs=1e-4)


def test_text_cuts_the_interval_to_the_scale_and_hides_it_under_five_answers(
    export: Path,
) -> None:
    text = run("analyze", str(export), *ARGS, "--by", "touchpoint", "--lang", "en")
    rows = {
        line.split()[0]: line for line in text.splitlines() if line.startswith(("payer", "act"))
    }
    assert "[1.00, 4.57]" in rows["activer"]
    assert "too few answers" in rows["payer"]
    assert "-0.57" not in text and "-14.56" not in text and "23.56" not in text


def test_html_report_shows_the_same_in_french(export: Path) -> None:
    html = run("analyze", str(export), *ARGS, "--by", "touchpoint", "--format", "html")
    assert "[1,00 ; 4,57]" in html
    assert "trop peu de réponses" in html
    assert "14,56" not in html and "0,57" not in html


def test_compare_says_too_few_answers_for_a_difference_with_a_thin_side(export: Path) -> None:
    # Before 12 November: 2 answers of « activer »; after: 4 of them.
    args = ("compare", str(export), "--change-date", "2026-11-12", "--touchpoint", "activer")
    doc = json.loads(run(*args, *ARGS, "--format", "json"))
    assert doc["before"]["n"] == 2 and doc["after"]["n"] == 4
    assert doc["diff_ci95"] is not None  # the contract keeps the bootstrap interval
    text = run(*args, *ARGS, "--lang", "en")
    line = next(x for x in text.splitlines() if x.startswith("95% CI of the difference"))
    assert line.split("difference", 1)[1].strip() == "too few answers"
    html = run(*args, *ARGS, "--format", "html")
    assert "trop peu de réponses" in html
