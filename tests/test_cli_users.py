"""`fluide user create`: the password rule and the neutral refusal of a taken e-mail."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from fluide.cli import app
from fluide.domain.passwords import password_problem

runner = CliRunner()
SECRET = "cli-test-secret-" + "u" * 40


pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}"}


def workspace(env: dict[str, str], name: str) -> str:
    r = runner.invoke(app, ["workspace", "create", name, "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    return str(json.loads(r.stdout)["id"])


def create(env: dict[str, str], ws: str, email: str, password: str | None = None) -> Result:
    args = ["user", "create", "--email", email, "--workspace", ws, "--lang", "en"]
    args += ["--format", "json"]
    if password is not None:
        args.append("--password-stdin")
    return runner.invoke(app, args, env=env, input=None if password is None else password + "\n")


@pytest.mark.parametrize(
    ("password", "message"),
    [
        (" " * 10, "A password cannot be made of spaces only."),
        ("azertyuiop", "This password is one of the most common ones, which are tried first"),
        ("MotDePasse", "This password is one of the most common ones, which are tried first"),
        ("court", "A password needs at least 10 characters."),
    ],
)
def test_a_weak_password_is_refused_naming_the_rule(
    env: dict[str, str], password: str, message: str
) -> None:
    ws = workspace(env, "Boutique")
    r = create(env, ws, "ana@example.com", password)
    assert r.exit_code == 2 and message in r.stderr
    assert create(env, ws, "ana@example.com", "une phrase bien à moi").exit_code == 0


def test_a_generated_password_passes_the_rule(env: dict[str, str]) -> None:
    ws = workspace(env, "Boutique")
    r = create(env, ws, "ana@example.com")
    assert r.exit_code == 0, r.output
    assert password_problem(json.loads(r.stdout)["password"]) is None


def test_an_e_mail_used_in_another_workspace_gets_the_same_neutral_refusal(
    env: dict[str, str],
) -> None:
    first, second = workspace(env, "Maison Secrète"), workspace(env, "Boutique")
    assert create(env, first, "zoe@example.com").exit_code == 0
    elsewhere = create(env, second, "zoe@example.com")
    here = create(env, first, "ZOE@example.com")
    assert elsewhere.exit_code == here.exit_code == 2
    assert elsewhere.stderr == here.stderr
    assert "zoe@example.com cannot be used for a new account" in elsewhere.stderr
    assert "Maison Secrète" not in elsewhere.stderr and "already" not in elsewhere.stderr
