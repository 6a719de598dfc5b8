"""`fluide workspace export` and `fluide workspace import`: moving a workspace by command."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from fluide.cli import app
from fluide.services import accounts
from fluide.services import touchpoints as touchpoint_service
from fluide.services.workspaces import create_workspace
from fluide.storage import transfer as store
from fluide.storage.db import make_engine, migrate, session_factory
from fluide.storage.models import Base, Touchpoint, Workspace
from tests.service.conftest import touchpoint_body

runner = CliRunner()
SECRET = "cli-test-secret-" + "s" * 40


pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in


@pytest.fixture
def source(tmp_path: Path) -> tuple[str, str]:
    """A small SQLite database with one workspace (a touchpoint, an account): url, id."""
    from fluide.api.schemas import TouchpointIn

    url = f"sqlite:///{tmp_path / 'source.db'}"
    engine = make_engine(url)
    migrate(engine)
    factory = session_factory(engine)
    ws = create_workspace(factory, "Boutique")
    touchpoint_service.create(factory, ws.id, TouchpointIn.model_validate(touchpoint_body()))
    accounts.create_account(
        factory, ws.id, email="csm@boutique.example", name="C", role="admin", password="p" * 12
    )
    engine.dispose()
    return url, ws.id


def _env(url: str) -> dict[str, str]:
    return {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": url}


def test_export_then_import_moves_the_workspace(
    source: tuple[str, str], database_url: str, tmp_path: Path
) -> None:
    url, ws_id = source
    out = tmp_path / "boutique-export"
    r = runner.invoke(
        app,
        ["workspace", "export", "--workspace", "Boutique", str(out), "--lang", "en"],
        env=_env(url),
    )
    assert r.exit_code == 0, r.output
    assert f"Workspace Boutique ({ws_id}) exported to {out}:" in r.stdout
    tables = len(store.exported(Base.metadata))
    assert f"5 rows in {tables} tables" in r.stdout
    assert "holds personal data" in r.stderr and "keep it private" in r.stderr
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert json.loads((out / "manifest.json").read_bytes())["workspace_id"] == ws_id

    r = runner.invoke(
        app,
        ["workspace", "import", str(out), "--database-url", database_url, "--lang", "en"],
        env={"FLUIDE_SECRET_KEY": SECRET},
    )
    assert r.exit_code == 0, r.output
    assert f"Workspace Boutique ({ws_id}) imported from {out}:" in r.stdout
    engine = make_engine(database_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        assert conn.scalar(select(Workspace.name).where(Workspace.id == ws_id)) == "Boutique"
        assert conn.scalar(select(func.count()).select_from(Touchpoint)) == 1
    engine.dispose()

    again = runner.invoke(app, ["workspace", "import", str(out)], env=_env(database_url))
    assert again.exit_code == 2
    assert f"Cette base contient déjà l'espace de travail {ws_id} (Boutique)" in again.stderr
    assert "rien n'a été importé" in again.stderr


def test_import_into_a_database_a_newer_fluide_migrated_is_refused(
    source: tuple[str, str], tmp_path: Path
) -> None:
    url, ws_id = source
    out = tmp_path / "export"
    r = runner.invoke(app, ["workspace", "export", "--workspace", ws_id, str(out)], env=_env(url))
    assert r.exit_code == 0, r.output
    newer = f"sqlite:///{tmp_path / 'newer.db'}"
    engine = create_engine(newer)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099_future'"))
    engine.dispose()
    r = runner.invoke(app, ["workspace", "import", str(out), "--lang", "en"], env=_env(newer))
    assert r.exit_code == 2
    assert "schema 0099_future, which this Fluide" in r.stderr
    assert "upgrade Fluide first" in r.stderr


def test_export_of_an_unknown_workspace_is_refused(source: tuple[str, str], tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["workspace", "export", "--workspace", "Nope", str(tmp_path / "x"), "--lang", "en"],
        env=_env(source[0]),
    )
    assert r.exit_code == 2
    assert "--workspace: no workspace Nope." in r.stderr
    assert not (tmp_path / "x").exists()


def test_import_of_a_damaged_export_names_the_file_and_line(
    source: tuple[str, str], tmp_path: Path
) -> None:
    url, ws_id = source
    out = tmp_path / "export"
    runner.invoke(app, ["workspace", "export", "--workspace", ws_id, str(out)], env=_env(url))
    path = out / "touchpoints.jsonl"
    path.write_bytes(path.read_bytes()[:-10])
    target = f"sqlite:///{tmp_path / 'target.db'}"
    r = runner.invoke(app, ["workspace", "import", str(out), "--lang", "en"], env=_env(target))
    assert r.exit_code == 2
    assert "touchpoints.jsonl, line 1: the line is cut off (the file was truncated)." in r.stderr
    assert not (tmp_path / "target.db").exists()  # refused before opening the database


def test_a_refusal_naming_what_was_expected_is_translated(
    source: tuple[str, str], tmp_path: Path
) -> None:
    import hashlib

    url, ws_id = source
    out = tmp_path / "export"
    runner.invoke(app, ["workspace", "export", "--workspace", ws_id, str(out)], env=_env(url))
    path = out / "touchpoints.jsonl"
    row = json.loads(path.read_bytes())
    row["sampling"] = "beaucoup"
    data = (json.dumps(row) + "\n").encode()
    path.write_bytes(data)
    manifest = json.loads((out / "manifest.json").read_bytes())
    manifest["tables"]["touchpoints"]["sha256"] = hashlib.sha256(data).hexdigest()
    (out / "manifest.json").write_text(json.dumps(manifest))
    target = f"sqlite:///{tmp_path / 'target.db'}"
    r = runner.invoke(app, ["workspace", "import", str(out)], env=_env(target))
    assert r.exit_code == 2
    assert "touchpoints.jsonl, ligne 1, colonne sampling : attendu un nombre." in r.stderr
