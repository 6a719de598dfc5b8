"""`fluide benchmark export|import` on both databases: the file, the checks, the pool."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import Result
from fastapi import FastAPI
from typer.testing import CliRunner

from fluide.cli import app as cli
from fluide.services import benchmark
from fluide.services.workspace_settings import WorkspacePatch
from fluide.services.workspace_settings import update as update_settings
from fluide.services.workspaces import create_workspace
from fluide.settings import Settings
from tests.benchmark_data import company, scores
from tests.service.conftest import SECRET
from tests.verbatims import workspace_row

runner = CliRunner()
pytestmark = pytest.mark.usefixtures("clean_env")


def _run(database_url: str, *args: str) -> Result:
    env = {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": database_url}
    return runner.invoke(cli, [*args, "--lang", "en"], env=env)


def _write(path: Path, doc: object) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_export_writes_categories_with_30_answers_and_nothing_that_names_anyone(
    app: FastAPI, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    f = app.state.sessions
    ws = create_workspace(f, "Maison Lefèvre")
    scores(f, settings, ws.id, [6] * 30, comment="Lefèvre m'a fait payer deux fois")
    scores(f, settings, ws.id, [2] * 12, key="resilier")  # payment too, pooled: 42
    out = tmp_path / "lefevre.json"
    r = _run(database_url, "benchmark", "export", "--workspace", "Maison Lefèvre", str(out))
    assert r.exit_code == 0, r.output
    assert "1 categories with at least 30 answers (payment)" in r.stdout
    text = out.read_text("utf-8")
    doc = json.loads(text)
    assert doc["format"] == "fluide-benchmark/1"
    assert doc["categories"]["payment"]["answers"] == 42
    for value in ("Lefèvre", ws.id, "payer", "resilier", "deux fois", "u-"):
        assert value not in text


def test_export_refuses_a_bad_date_naming_the_option(database_url: str, tmp_path: Path) -> None:
    r = _run(
        database_url, "benchmark", "export", "--workspace", "x", "--from", "hier", str(tmp_path)
    )
    assert r.exit_code == 2
    assert "--from must be a date such as 2026-03-02; got hier." in r.output


def test_import_checks_every_file_first_and_imports_nothing_if_one_is_bad(
    app: FastAPI, database_url: str, tmp_path: Path
) -> None:
    good = _write(tmp_path / "good.json", company("company-good1", {"payment": 30.0}))
    bad_doc = company("company-bad01", {"payment": 30.0})
    bad_doc["categories"]["payment"]["answers"] = 12
    bad = _write(tmp_path / "bad.json", bad_doc)
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    r = _run(database_url, "benchmark", "import", str(good), str(bad), str(broken))
    assert r.exit_code == 2, r.output
    err = r.stderr
    assert f"{bad}, $.categories.payment.answers: 12 is not allowed: expected a whole" in err
    assert f"{broken}, $: this is not a JSON file in UTF-8" in err
    assert "Nothing was imported" in err
    assert benchmark.listed(app.state.sessions) == []


def test_import_stores_then_a_newer_file_replaces_and_remove_forgets(
    app: FastAPI, database_url: str, tmp_path: Path
) -> None:
    first = _write(
        tmp_path / "a1.json",
        company("company-aaaa", {"payment": 30.0, "login": 50.0}, exported_at="2026-11-01T00:00Z"),
    )
    r = _run(database_url, "benchmark", "import", str(first))
    assert r.exit_code == 0, r.output
    assert "company-aaaa: payment, login imported." in r.stdout
    newer = _write(tmp_path / "a2.json", company("company-aaaa", {"payment": 32.0}))
    r = _run(database_url, "benchmark", "import", str(newer), "--list")
    assert "replacing its older file" in r.stdout
    assert "company-aaaa\tpayment\t40\t2026-09-01\t2026-11-29" in r.stdout
    assert "login" not in r.stdout.split("imported")[-1]
    r = _run(database_url, "benchmark", "import", "--remove", "company-aaaa")
    assert "1 contributions of company-aaaa removed." in r.stdout
    assert benchmark.listed(app.state.sessions) == []


def test_an_opted_in_workspace_counts_live_with_the_aggregates_its_export_holds(
    app: FastAPI, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    f = app.state.sessions
    a, b = create_workspace(f, "A"), create_workspace(f, "B")
    scores(f, settings, a.id, [5] * 20 + [7] * 15)
    scores(f, settings, b.id, [7] * 30)
    update_settings(f, settings, a.id, WorkspacePatch(benchmark_opt_in=True))
    out = tmp_path / "a.json"
    assert _run(database_url, "benchmark", "export", "--workspace", "A", str(out)).exit_code == 0
    exported = json.loads(out.read_text("utf-8"))["categories"]["payment"]
    with f() as s:
        [live] = benchmark.live_contributions(s, *_period(exported))
    assert live.contributor == workspace_row(f, a.id).benchmark_contributor
    assert (live.answers, round(live.mean, 4), round(live.sd, 4), live.groups) == (
        exported["answers"],
        exported["mean"],
        exported["sd"],
        exported["groups"],
    )


def _period(c: dict[str, dict[str, str]]) -> tuple[object, object]:
    from datetime import date

    return date.fromisoformat(c["period"]["from"]), date.fromisoformat(c["period"]["to"])
