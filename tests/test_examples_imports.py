"""Each sample export of examples/imports, analysed with the command docs/imports.md shows.

The figures are worked out by hand from the counts each sample was written
with (see each case), not by the code under test.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fluide.cli import app

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "imports.md"


@dataclass(frozen=True)
class Case:
    command: str
    n: int
    mean: float
    distribution: dict[str, int]
    groups: dict[str, float]  # effort-group shares, in %


CASES = [
    # 1-5, effort: 1×6, 2×5, 3×4, 4×3, 5×2 → n 20, sum 6+10+12+12+10 = 50, mean 2.5;
    # low e ≤ 2: 11/20 = 55 %, moderate e = 3: 4/20 = 20 %, high e ≥ 4: 5/20 = 25 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/excel_fr.csv --scale 1-5 --polarity effort",
            20,
            2.5,
            {"1": 6, "2": 5, "3": 4, "4": 3, "5": 2},
            {"low": 55.0, "moderate": 20.0, "high": 25.0},
        ),
        id="excel_fr",
    ),
    # The same export saved as a workbook: date cells, whole numbers; the same figures.
    pytest.param(
        Case(
            "fluide analyze examples/imports/excel_fr.xlsx --scale 1-5 --polarity effort",
            20,
            2.5,
            {"1": 6, "2": 5, "3": 4, "4": 3, "5": 2},
            {"low": 55.0, "moderate": 20.0, "high": 25.0},
        ),
        id="excel_fr_xlsx",
    ),
    # Words, 1-5 ease: Très facile 5×5, Facile 4×5, Ni… 3×3, Difficile 2×2, Très difficile 1×1
    # → n 16, sum 25+20+9+4+1 = 59, mean 3.6875; low (4-5) 10/16 = 62.5 %,
    # moderate (3) 3/16 = 18.75 %, high (1-2) 3/16 = 18.75 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/google_forms_fr.csv --scale 1-5 --polarity ease "
            '--map score="Dans quelle mesure a-t-il été facile de payer votre commande ?"',
            16,
            3.6875,
            {"1": 1, "2": 2, "3": 3, "4": 5, "5": 5},
            {"low": 62.5, "moderate": 18.75, "high": 18.75},
        ),
        id="google_forms_fr",
    ),
    # 1-7 ease: 7×5, 6×6, 5×3, 4×2, 3×2, 2×1, 1×1 → n 20, sum 35+36+15+8+6+2+1 = 103,
    # mean 5.15; low (6-7) 11/20 = 55 %, moderate (4-5) 5/20 = 25 %, high (1-3) 4/20 = 20 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/google_forms_en.csv --scale 1-7 --polarity ease "
            '--map score="How easy was it to find your invoice today?"',
            20,
            5.15,
            {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3, "6": 6, "7": 5},
            {"low": 55.0, "moderate": 25.0, "high": 20.0},
        ),
        id="google_forms_en",
    ),
    # 1-5 ease: 5×6, 4×4, 3×2, 2×2, 1×1 → n 15, sum 30+16+6+4+1 = 57, mean 3.8;
    # low 10/15 = 66.67 %, moderate 2/15 = 13.33 %, high 3/15 = 20 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/typeform.csv --scale 1-5 --polarity ease "
            '--map score="How easy was it to set up your account?"',
            15,
            3.8,
            {"1": 1, "2": 2, "3": 2, "4": 4, "5": 6},
            {"low": 200 / 3, "moderate": 40 / 3, "high": 20.0},
        ),
        id="typeform",
    ),
    # Words, 1-5 ease: Very easy 5×7, Easy 4×6, Neither… 3×3, Difficult 2×3, Very difficult 1×1
    # → n 20, sum 35+24+9+6+1 = 75, mean 3.75; low 13/20 = 65 %, moderate 3/20 = 15 %,
    # high 4/20 = 20 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/surveymonkey.csv --scale 1-5 --polarity ease "
            '--map score="How easy was it to get your issue resolved today?"',
            20,
            3.75,
            {"1": 1, "2": 3, "3": 3, "4": 6, "5": 7},
            {"low": 65.0, "moderate": 15.0, "high": 20.0},
        ),
        id="surveymonkey",
    ),
    # 1-7 ease: 7×4, 6×5, 5×3, 4×2, 3×2, 2×1, 1×1 → n 18, sum 28+30+15+8+6+2+1 = 90, mean 5;
    # low 9/18 = 50 %, moderate 5/18 = 27.78 %, high 4/18 = 22.22 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/delighted.csv --scale 1-7 --polarity ease",
            18,
            5.0,
            {"1": 1, "2": 1, "3": 2, "4": 2, "5": 3, "6": 5, "7": 4},
            {"low": 50.0, "moderate": 250 / 9, "high": 200 / 9},
        ),
        id="delighted",
    ),
    # good-bad: Good (2) ×14, Bad (1) ×6 → n 20, sum 28+6 = 34, mean 1.7;
    # low (good) 70 %, moderate none, high (bad) 30 %.
    pytest.param(
        Case(
            "fluide analyze examples/imports/zendesk_csat.csv --scale good-bad --polarity ease",
            20,
            1.7,
            {"1": 6, "2": 14},
            {"low": 70.0, "moderate": 0.0, "high": 30.0},
        ),
        id="zendesk_csat",
    ),
]


# The first and last answer of each file, read off its time column by hand: a wrong
# reading (month-first for day-first, ms for s) moves them or fails.
SPANS = {
    "excel_fr.csv": ("2026-11-16", "2026-11-29"),  # 16/11/2026 17:59 … 29/11/2026 14:02
    "excel_fr.xlsx": ("2026-11-16", "2026-11-29"),  # the same, as date cells
    "google_forms_fr.csv": ("2026-11-16", "2026-11-27"),  # 16/11/2026 … 27/11/2026
    "google_forms_en.csv": ("2026-11-16", "2026-12-02"),  # 11/16/2026 … 12/2/2026
    "typeform.csv": ("2026-11-17", "2026-11-26"),  # Submit Date (UTC)
    "surveymonkey.csv": ("2026-11-16", "2026-11-30"),  # 11/16/2026 … 11/30/2026 PM
    "delighted.csv": ("2026-11-16", "2026-11-27"),  # 1794841625 … 1795800486 s
    "zendesk_csat.csv": ("2026-11-17", "2026-11-30"),
}


def _docs_shows(command: str) -> bool:
    return f"`{command}`" in DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", CASES)
def test_sample_reads_with_its_documented_command(
    case: Case, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _docs_shows(case.command), "docs/imports.md must show this exact command"
    argv = shlex.split(case.command)
    assert argv[:2] == ["fluide", "analyze"]
    assert len([a for a in argv if a == "--map"]) <= 1
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(
        app, [*argv[1:], "--format", "json", "--no-frictions", "--lang", "en"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    overall = doc["overall"]
    name = argv[2].removeprefix("examples/imports/")
    assert (doc["input"]["first"], doc["input"]["last"]) == SPANS[name]
    assert overall["n"] == case.n
    assert overall["mean"] == pytest.approx(case.mean)
    assert overall["distribution"] == case.distribution
    assert overall["effort_groups"] == pytest.approx(case.groups)


def test_every_sample_has_a_case_and_is_a_realistic_size() -> None:
    samples = sorted(
        p.name for p in (ROOT / "examples" / "imports").iterdir() if p.suffix in (".csv", ".xlsx")
    )
    named = sorted(
        shlex.split(p.values[0].command)[2].removeprefix("examples/imports/")  # type: ignore[union-attr]
        for p in CASES
    )
    assert samples == named
    for name in samples:
        path = ROOT / "examples" / "imports" / name
        if path.suffix == ".xlsx":
            from openpyxl import load_workbook

            records = load_workbook(path, read_only=True).active.max_row - 1  # type: ignore[union-attr]
        else:
            records = len(path.read_text(encoding="utf-8-sig").splitlines()) - 1
        assert 15 <= records <= 40
