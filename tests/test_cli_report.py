"""`fluide report weekly`: HTML or PDF, to standard output or a file, French by default;
bad input is explained with exit code 2."""

from __future__ import annotations

from pathlib import Path

import pypdfium2
import pytest
from fastapi import FastAPI
from typer.testing import CliRunner

from fluide.cli import app as cli
from fluide.domain.frictions import iso_week_start, previous_iso_week
from fluide.domain.periods import period_label
from fluide.services.workspaces import NewWorkspace, create_workspace
from fluide.settings import Settings
from fluide.storage.types import utcnow
from tests.service.conftest import SECRET
from tests.weekly_data import build

runner = CliRunner()
pytestmark = [
    pytest.mark.parametrize("database_url", ["sqlite"], indirect=True),
    pytest.mark.usefixtures("clean_env"),  # no FLUIDE_* of the machine leaks in
]


@pytest.fixture
def env(database_url: str) -> dict[str, str]:
    return {"FLUIDE_DATABASE_URL": database_url, "FLUIDE_SECRET_KEY": SECRET}


@pytest.fixture
def week(app: FastAPI, settings: Settings, workspace: NewWorkspace) -> str:
    """Answers up to the last complete week (the command's default, by the real clock)."""
    label = previous_iso_week(period_label(utcnow(), "Europe/Paris", "week"))
    build(
        app.state.sessions,
        settings,
        workspace.id,
        weeks=3,
        week_of=iso_week_start(label),
        now=utcnow(),
    )
    return label


def test_html_on_standard_output_in_french_by_default(week: str, env: dict[str, str]) -> None:
    r = runner.invoke(cli, ["report", "weekly"], env=env)
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("<!doctype html>") and '<html lang="fr">' in r.stdout
    assert "Rapport hebdomadaire" in r.stdout and f"Semaine {week[-2:]}" in r.stdout
    assert "&lt;script&gt;" in r.stdout and "<script>" not in r.stdout


def test_english_with_lang_en_for_the_chosen_week(week: str, env: dict[str, str]) -> None:
    before = previous_iso_week(week)
    r = runner.invoke(
        cli,
        ["report", "weekly", "--week", before, "--workspace", "Boutique", "--lang", "en"],
        env=env,
    )
    assert r.exit_code == 0, r.stderr
    assert '<html lang="en">' in r.stdout and f"Week {before[-2:]} ·" in r.stdout


def test_pdf_written_to_a_file_is_one_page(
    week: str, env: dict[str, str], workspace: NewWorkspace, tmp_path: Path
) -> None:
    out = tmp_path / "reports" / "week.pdf"
    r = runner.invoke(
        cli,
        ["report", "weekly", "--format", "pdf", "--output", str(out), "--workspace", workspace.id],
        env=env,
    )
    assert r.exit_code == 0, r.stderr
    assert f"Rapport hebdomadaire {week} écrit dans {out}." in r.stderr
    assert len(pypdfium2.PdfDocument(out.read_bytes())) == 1


def test_pdf_on_standard_output_when_it_is_not_a_terminal(week: str, env: dict[str, str]) -> None:
    r = runner.invoke(cli, ["report", "weekly", "--format", "pdf"], env=env)
    assert r.exit_code == 0, r.stderr
    assert r.stdout_bytes.startswith(b"%PDF")


def test_html_written_to_a_file(week: str, env: dict[str, str], tmp_path: Path) -> None:
    out = tmp_path / "week.html"
    r = runner.invoke(cli, ["report", "weekly", "--output", str(out), "--lang", "en"], env=env)
    assert r.exit_code == 0 and r.stdout == ""
    assert "Weekly report" in out.read_text(encoding="utf-8")
    assert f"Weekly report {week} written to {out}." in r.stderr


@pytest.mark.parametrize("value", ["2026-47", "W47", "2026-W60"])
def test_a_bad_week_is_named_with_the_form_expected(
    workspace: NewWorkspace, env: dict[str, str], value: str
) -> None:
    r = runner.invoke(cli, ["report", "weekly", "--week", value, "--lang", "en"], env=env)
    assert r.exit_code == 2
    assert f"--week: {value} is not an ISO week: write it like 2026-W47." in r.stderr


def test_a_bad_week_in_french_by_default(workspace: NewWorkspace, env: dict[str, str]) -> None:
    r = runner.invoke(cli, ["report", "weekly", "--week", "semaine-47"], env=env)
    assert r.exit_code == 2
    assert "--week : semaine-47 n'est pas une semaine ISO" in r.stderr


def test_a_bad_format_or_language_is_refused(workspace: NewWorkspace, env: dict[str, str]) -> None:
    r = runner.invoke(cli, ["report", "weekly", "--format", "docx", "--lang", "en"], env=env)
    assert r.exit_code == 2 and "--format must be html or pdf, got docx." in r.stderr
    assert runner.invoke(cli, ["report", "weekly", "--lang", "de"], env=env).exit_code == 2


def test_the_workspace_must_be_chosen_when_there_are_several(
    app: FastAPI, workspace: NewWorkspace, env: dict[str, str]
) -> None:
    other = create_workspace(app.state.sessions, "Agence")
    r = runner.invoke(cli, ["report", "weekly", "--lang", "en"], env=env)
    assert r.exit_code == 2
    assert "--workspace: Several workspaces: choose one with --workspace" in r.stderr
    assert f"Agence ({other.id})" in r.stderr and f"Boutique ({workspace.id})" in r.stderr
    r = runner.invoke(
        cli, ["report", "weekly", "--workspace", "Nulle part", "--lang", "en"], env=env
    )
    assert r.exit_code == 2 and "No single workspace Nulle part" in r.stderr
    r = runner.invoke(cli, ["report", "weekly", "--workspace", "Agence"], env=env)
    assert r.exit_code == 0 and "Agence" in r.stdout


def test_without_any_workspace_the_message_says_how_to_make_one(
    env: dict[str, str], app: FastAPI
) -> None:
    r = runner.invoke(cli, ["report", "weekly", "--lang", "en"], env=env)
    assert r.exit_code == 2
    assert "No workspace yet: create one with fluide workspace create." in r.stderr
