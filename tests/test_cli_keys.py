"""`fluide workspace rotate-key` and `fluide secrets reencrypt`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fluide.cli import app
from fluide.storage.models import Workspace
from tests.test_cli_service import SECRET, key_works

pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in
runner = CliRunner()
NEW_SECRET = "cli-new-secret-Hq7z-Ue2p-Xa9c-Lr4m-Nb6t"


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fluide.db'}"


@pytest.fixture
def env(db_url: str) -> dict[str, str]:
    return {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": db_url}


def create(env: dict[str, str], name: str = "Boutique") -> dict[str, str]:
    r = runner.invoke(app, ["workspace", "create", name, "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    doc: dict[str, str] = json.loads(r.stdout)
    return doc


def rotate(env: dict[str, str], *args: str) -> dict[str, object]:
    r = runner.invoke(app, ["workspace", "rotate-key", *args, "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    doc: dict[str, object] = json.loads(r.stdout)
    return doc


# --- rotate-key ---------------------------------------------------------------------------------


def test_rotate_key_prints_a_new_key_once_and_ends_the_old_ones_at_once(
    env: dict[str, str], db_url: str
) -> None:
    ws = create(env)
    other = create(env, "Atelier")
    r = runner.invoke(
        app, ["workspace", "rotate-key", "--workspace", ws["id"], "--lang", "en"], env=env
    )
    assert r.exit_code == 0, r.output
    key = next(w for w in r.stdout.split() if w.startswith("flk_") and len(w) > 20)
    assert r.output.count(key) == 1 and "Shown only this once" in r.stdout
    assert f"Former keys revoked now: {ws['api_key'][:12]}" in r.stdout
    assert key_works(db_url, key) and not key_works(db_url, ws["api_key"])
    assert key_works(db_url, other["api_key"])  # another workspace's key is never touched


def test_rotate_key_with_grace_keeps_the_old_key_until_then(
    env: dict[str, str], db_url: str
) -> None:
    ws = create(env)
    doc = rotate(env, "--workspace", "Boutique", "--grace", "3600")
    assert set(doc) == {"workspace_id", "api_key", "id", "prefix", "revokes", "old_key_valid_until"}
    assert doc["workspace_id"] == ws["id"] and doc["revokes"] == [ws["api_key"][:12]]
    assert doc["old_key_valid_until"] is not None
    assert key_works(db_url, ws["api_key"]) and key_works(db_url, str(doc["api_key"]))
    text = runner.invoke(
        app, ["workspace", "rotate-key", "--workspace", ws["id"], "--grace", "60"], env=env
    )
    assert text.exit_code == 0 and "fonctionnent jusqu'au" in text.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--workspace", "Boutique", "--grace", "604801"], "--grace must be between 0 and 604800"),
        (["--workspace", "Boutique", "--grace", "-5"], "--grace must be between 0 and 604800"),
        (["--workspace", "Nowhere"], "--workspace: no workspace Nowhere"),
        (["--workspace", "Boutique", "--format", "xml"], "--format must be text or json"),
    ],
)
def test_rotate_key_refuses_bad_options_and_changes_nothing(
    env: dict[str, str], db_url: str, args: list[str], needle: str
) -> None:
    ws = create(env)
    r = runner.invoke(app, ["workspace", "rotate-key", *args, "--lang", "en"], env=env)
    assert r.exit_code == 2 and needle in r.stderr, r.output
    assert key_works(db_url, ws["api_key"])


# --- secrets reencrypt --------------------------------------------------------------------------


def stored_secret(db_url: str, ws_id: str) -> str | None:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return s.get_one(Workspace, ws_id).webhook_secret
    finally:
        engine.dispose()


def set_legacy_secret(db_url: str, ws_id: str, value: str) -> None:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            s.get_one(Workspace, ws_id).webhook_secret = value
            s.commit()
    finally:
        engine.dispose()


def test_reencrypt_moves_secrets_to_the_new_key_and_says_how_many(
    env: dict[str, str], db_url: str
) -> None:
    ws = create(env)
    set_legacy_secret(db_url, ws["id"], "legacy-webhook-secret")
    dry = runner.invoke(app, ["secrets", "reencrypt", "--dry-run", "--format", "json"], env=env)
    assert dry.exit_code == 0 and json.loads(dry.stdout)["rewritten"] == 1
    assert stored_secret(db_url, ws["id"]) == "legacy-webhook-secret"
    r = runner.invoke(app, ["secrets", "reencrypt", "--lang", "en"], env=env)
    assert r.exit_code == 0 and "Secrets re-encrypted: 1" in r.stdout, r.output
    under_old = stored_secret(db_url, ws["id"])
    assert str(under_old).startswith("fernet:v1:")

    changed = {**env, "FLUIDE_SECRET_KEY": NEW_SECRET, "FLUIDE_PREVIOUS_SECRET_KEYS": SECRET}
    r = runner.invoke(app, ["secrets", "reencrypt", "--format", "json"], env=changed)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == {"dry_run": False, "rewritten": 1, "current": 0, "failed": []}
    assert stored_secret(db_url, ws["id"]) not in (under_old, None)
    alone = {**env, "FLUIDE_SECRET_KEY": NEW_SECRET}
    again = runner.invoke(app, ["secrets", "reencrypt", "--format", "json"], env=alone)
    assert json.loads(again.stdout)["current"] == 1


def test_reencrypt_with_a_wrong_key_names_the_setting_and_fails(
    env: dict[str, str], db_url: str
) -> None:
    ws = create(env)
    set_legacy_secret(db_url, ws["id"], "legacy-webhook-secret")
    assert runner.invoke(app, ["secrets", "reencrypt"], env=env).exit_code == 0
    wrong = {**env, "FLUIDE_SECRET_KEY": NEW_SECRET}
    r = runner.invoke(app, ["secrets", "reencrypt", "--lang", "en"], env=wrong)
    assert r.exit_code == 1
    assert ws["id"] in r.stderr and "FLUIDE_PREVIOUS_SECRET_KEYS" in r.stderr
    assert "Traceback" not in r.output
    fr = runner.invoke(app, ["secrets", "reencrypt"], env=wrong)
    assert fr.exit_code == 1 and "ne peut pas être déchiffré" in fr.stderr
