"""Bad input gets a clear error naming the line, field and value; nothing is dropped silently."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from fluide.cli import app
from tests.factories import HEADER, answer, write_csv, write_xlsx

runner = CliRunner()
Q = ("--scale", "1-7", "--polarity", "ease")


def invoke(*args: str):
    return runner.invoke(app, list(args))


def bad_export(tmp_path: Path) -> Path:
    return write_csv(
        tmp_path / "export.csv",
        [
            answer(),
            answer(score=9),
            answer(score="abc"),
            answer(comment="deux\nlignes"),
            answer(when="hier"),
            answer(score=""),
        ],
    )


def test_bad_records_fail_the_run_and_each_is_named_by_line(tmp_path: Path) -> None:
    result = invoke("analyze", str(bad_export(tmp_path)), *Q, "--format", "json", "--lang", "en")
    assert result.exit_code != 0
    assert result.stdout == ""
    err = result.stderr
    assert "4 invalid records" in err
    assert "line 3: score: outside the scale ('9') — allowed: 1, 2, 3, 4, 5, 6, 7" in err
    assert "line 4: score: not a number ('abc')" in err
    assert "line 7: responded_at: not a date and time ('hier')" in err  # after the 2-line record
    assert "line 8: score: empty" in err


def test_bad_records_are_explained_in_french_by_default(tmp_path: Path) -> None:
    result = invoke("analyze", str(bad_export(tmp_path)), *Q)
    assert result.exit_code != 0
    assert "ligne 3 : score : hors de l'échelle" in result.stderr


def test_skip_invalid_analyses_the_rest_and_says_where(tmp_path: Path) -> None:
    result = invoke(
        "analyze",
        str(bad_export(tmp_path)),
        *Q,
        "--skip-invalid",
        "--format",
        "json",
        "--lang",
        "en",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["overall"]["n"] == 2
    assert doc["input"]["skipped"] == 4 and doc["input"]["skipped_lines"] == [3, 4, 7, 8]
    assert any(w["code"] == "rows_skipped" for w in doc["warnings"])
    assert "4 invalid records skipped" in result.stderr and "line 3" in result.stderr


def test_map_points_fields_at_other_headers(tmp_path: Path) -> None:
    header = ("Date", "Note", "Verbatim", "Point de contact", "outcome", "customer_since")
    path = write_csv(
        tmp_path / "e.csv", [answer(score=2), answer(score=6)], header, delimiter=";", bom=True
    )
    result = invoke(
        "analyze",
        str(path),
        *Q,
        "--map",
        "responded_at=date",
        "--map",
        "score=NOTE",
        "--map",
        "touchpoint=Point de contact",
        "--by",
        "touchpoint",
        "--format",
        "json",
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["overall"]["n"] == 2 and doc["groups"]["touchpoint"][0]["value"] == "payer"


def test_missing_score_column_names_the_columns_and_the_fix(tmp_path: Path) -> None:
    # "Note" would now be found as the score: a header no tool uses, holding no answer.
    path = write_csv(tmp_path / "e.csv", [("2026-08-03", "bien")], ("responded_at", "Avis"))
    result = invoke("analyze", str(path), *Q, "--lang", "en")
    assert result.exit_code != 0
    assert "no score column" in result.stderr and "responded_at, Avis" in result.stderr
    assert "--map score=COLUMN" in result.stderr


def test_unknown_group_column_is_refused_with_the_list(tmp_path: Path) -> None:
    result = invoke(
        "analyze",
        str(write_csv(tmp_path / "e.csv", [answer()])),
        *Q,
        "--by",
        "agent",
        "--lang",
        "en",
    )
    assert result.exit_code != 0 and "--by agent" in result.stderr and "touchpoint" in result.stderr


def test_unknown_scale_polarity_and_time_zone_are_refused(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "e.csv", [answer()]))
    for args, needle in (
        (("--scale", "1-6", "--polarity", "ease"), "1-5, 1-7, 1-10, emoji-3"),
        (("--scale", "1-7", "--polarity", "easy"), "effort, ease"),
        ((*Q, "--tz", "Paris"), "Europe/Paris"),
        (("--scale", "1-7"), "--polarity"),
    ):
        result = invoke("analyze", path, *args, "--lang", "en")
        assert result.exit_code != 0 and needle in result.stderr, (args, result.stderr)


def test_xlsx_is_read_and_errors_name_the_sheet_row(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "e.xlsx", [answer(), answer(score=0)])
    result = invoke("analyze", str(path), *Q, "--lang", "en")
    assert result.exit_code != 0 and "line 3: score: outside the scale" in result.stderr
    ok = invoke(
        "analyze",
        str(write_xlsx(tmp_path / "f.xlsx", [answer(), answer(score=3)])),
        *Q,
        "--format",
        "json",
    )
    assert ok.exit_code == 0 and json.loads(ok.stdout)["overall"]["n"] == 2


def test_mixed_scales_are_an_error_unless_the_effort_index_is_asked(tmp_path: Path) -> None:
    header = (*HEADER, "scale", "polarity")
    rows = [(*answer(score=7), "1-7", "ease")] * 3 + [
        (*answer(score=1, touchpoint="support"), "1-5", "effort")
    ] * 2
    path = str(write_csv(tmp_path / "e.csv", rows, header))
    refused = invoke("analyze", path, "--lang", "en")
    assert (
        refused.exit_code != 0
        and "1-7 (ease), 1-5 (effort)" in refused.stderr
        and "--effort-index" in refused.stderr
    )
    pooled = invoke("analyze", path, "--effort-index", "--format", "json")
    doc = json.loads(pooled.stdout)
    assert doc["metric"] == "effort_index" and doc["overall"]["mean"] is None
    assert doc["overall"]["n"] == 5 and doc["overall"]["effort_index"] == 0.0
    one = invoke("analyze", path, "--touchpoint", "support", "--format", "json")
    assert json.loads(one.stdout)["scale"]["key"] == "1-5"


def test_flags_disagreeing_with_the_file_scale_are_refused(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "e.csv", [(*answer(), "1-5", "effort")], (*HEADER, "scale", "polarity")
    )
    result = invoke("analyze", str(path), *Q, "--lang", "en")
    assert result.exit_code != 0 and "1-5 (effort)" in result.stderr


def test_mixed_question_versions_are_flagged(tmp_path: Path) -> None:
    rows = [(*answer(), "v1"), (*answer(), "v2")]
    path = write_csv(tmp_path / "e.csv", rows, (*HEADER, "question_version"))
    doc = json.loads(invoke("analyze", str(path), *Q, "--format", "json").stdout)
    assert [w["code"] for w in doc["warnings"] if w["code"] == "question_versions_mixed"]
    assert doc["scale"]["question_versions"] == ["v1", "v2"]


def test_compare_warns_when_the_question_changed_across_the_date(tmp_path: Path) -> None:
    rows = [
        (*answer(when="2026-08-01T10:00:00Z"), "v1"),
        (*answer(when="2026-08-20T10:00:00Z"), "v2"),
    ]
    path = write_csv(tmp_path / "e.csv", rows, (*HEADER, "question_version"))
    result = invoke("compare", str(path), "--change-date", "2026-08-10", *Q, "--format", "json")
    codes = [w["code"] for w in json.loads(result.stdout)["warnings"]]
    assert "question_version_changed" in codes


def test_html_report_is_written_where_it_says(tmp_path: Path) -> None:
    out = tmp_path / "r" / "rapport.html"
    rows = [answer(comment="<script>alert('x')</script>", score=1)] * 3
    result = invoke(
        "analyze",
        str(write_csv(tmp_path / "e.csv", rows)),
        *Q,
        "--format",
        "html",
        "--output",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert str(out.resolve()) in result.stderr
    html = out.read_text(encoding="utf-8")
    assert "<script>alert" not in html and "&lt;script&gt;" in html


def test_text_output_is_a_readable_summary(tmp_path: Path) -> None:
    result = invoke(
        "analyze", str(write_csv(tmp_path / "e.csv", [answer()] * 40)), *Q, "--lang", "en"
    )
    assert result.exit_code == 0 and "40" in result.stdout


def test_json_stdout_is_pure_json_even_from_a_real_process(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "e.csv", [answer()] * 5)
    proc = subprocess.run(
        [sys.executable, "-m", "fluide", "analyze", str(path), *Q, "--format", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["overall"]["n"] == 5


def test_effort_group_cut_points_can_be_set_per_question(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "e.csv", [answer(score=s) for s in (1, 2, 3, 4, 5, 6, 7)]))
    default = json.loads(invoke("analyze", path, *Q, "--format", "json").stdout)
    custom = json.loads(
        invoke("analyze", path, *Q, "--low-max", "1", "--high-min", "6", "--format", "json").stdout
    )
    assert default["scale"]["effort_groups"]["high"] == [1, 2, 3]
    assert custom["scale"]["effort_groups"] == {
        "low": [7],
        "moderate": [3, 4, 5, 6],
        "high": [1, 2],
    }
    assert custom["overall"]["net_effort"] == 100 * (2 - 1) / 7
    bad = invoke("analyze", path, *Q, "--low-max", "5", "--high-min", "3", "--lang", "en")
    assert bad.exit_code != 0 and "low_max < high_min" in bad.stderr


def test_daily_and_monthly_trends_when_asked(tmp_path: Path) -> None:
    rows = [answer(when="2026-08-31T23:30:00+02:00"), answer(when="2026-09-01T00:30:00+02:00")]
    path = str(write_csv(tmp_path / "e.csv", rows))
    args = (*Q, "--tz", "Europe/Paris", "--period", "day", "--period", "month", "--format", "json")
    doc = json.loads(invoke("analyze", path, *args).stdout)
    assert [d["day"] for d in doc["daily"]] == ["2026-08-31", "2026-09-01"]
    assert [m["month"] for m in doc["monthly"]] == ["2026-08", "2026-09"]
    assert "weekly" not in doc


def _run_on_a_terminal(args: list[str]) -> tuple[int, str, str]:
    """Run the CLI with stderr on a pseudo-terminal (as in a shell), stdout piped."""
    import os
    import pty

    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fluide", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        env={**os.environ, "TERM": "xterm"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            data = os.read(leader, 65536)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    out = proc.stdout.read().decode() if proc.stdout else ""
    code = proc.wait(timeout=120)
    os.close(leader)
    return code, out, b"".join(chunks).decode(errors="replace")


def test_progress_shows_on_a_terminal_but_never_with_json(tmp_path: Path) -> None:
    path = str(write_csv(tmp_path / "e.csv", [answer(score=s % 7 + 1) for s in range(20000)]))
    code, out, err = _run_on_a_terminal(["analyze", path, *Q, "--lang", "en"])
    assert code == 0 and "Reading e.csv" in err and "Reading" not in out
    code, out, err = _run_on_a_terminal(["analyze", path, *Q, "--format", "json"])
    assert code == 0 and json.loads(out)["overall"]["n"] == 20000 and "Reading" not in err
