"""The service's command line: `fluide serve`, `fluide workspace create`, start-up errors."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from fluide.cli import app
from fluide.services.workspaces import authenticate
from fluide.storage.models import ApiKey, Workspace

runner = CliRunner()
SECRET = "cli-test-secret-" + "s" * 40


pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'fluide.db'}"


@pytest.fixture
def env(db_url: str, tmp_path: Path) -> dict[str, str]:
    return {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": db_url}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def run_fluide(
    *args: str, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """The real command in a child process: what a person sees, tracebacks included."""
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    return subprocess.run(
        [sys.executable, "-m", "fluide", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def key_works(db_url: str, key: str) -> bool:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return authenticate(s, key) is not None
    finally:
        engine.dispose()


# --- fluide workspace create --------------------------------------------------------------------


def test_workspace_create_prints_the_key_once_and_only_its_hash_is_stored(
    env: dict[str, str], db_url: str
) -> None:
    r = runner.invoke(app, ["workspace", "create", "Boutique Lumière", "--lang", "en"], env=env)
    assert r.exit_code == 0, r.output
    key = next(w for w in r.stdout.split() if w.startswith("flk_"))
    assert r.output.count(key) == 1
    assert "Boutique Lumière" in r.stdout and "shown only this once" in r.stdout
    assert key_works(db_url, key)
    engine = create_engine(db_url)
    with Session(engine) as s:
        rows = s.execute(select(ApiKey)).scalars().all()
        assert len(rows) == 1 and key not in (rows[0].key_hash, rows[0].prefix)
        assert rows[0].key_hash != key and len(rows[0].key_hash) == 64
    engine.dispose()


def test_workspace_create_speaks_french_by_default(env: dict[str, str]) -> None:
    r = runner.invoke(app, ["workspace", "create", "Boutique"], env=env)
    assert r.exit_code == 0 and "Espace de travail Boutique créé" in r.stdout


def test_workspace_create_json_gives_id_name_and_key(env: dict[str, str], db_url: str) -> None:
    r = runner.invoke(app, ["workspace", "create", "Boutique", "--format", "json"], env=env)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert set(doc) == {"id", "name", "api_key"}
    assert doc["name"] == "Boutique" and doc["id"].startswith("ws_")
    assert r.output.count(doc["api_key"]) == 1
    assert key_works(db_url, doc["api_key"])


def test_each_workspace_gets_its_own_key(env: dict[str, str]) -> None:
    keys = {
        json.loads(
            runner.invoke(app, ["workspace", "create", n, "--format", "json"], env=env).stdout
        )["api_key"]
        for n in ("A", "B")
    }
    assert len(keys) == 2


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["workspace", "create", "X", "--format", "xml"], "--format must be text or json"),
        (["workspace", "create", "  "], "A workspace needs a name"),
    ],
)
def test_workspace_create_refuses_bad_options(
    env: dict[str, str], args: list[str], needle: str
) -> None:
    r = runner.invoke(app, [*args, "--lang", "en"], env=env)
    assert r.exit_code == 2 and needle in r.stderr


# --- start-up errors ----------------------------------------------------------------------------


@pytest.mark.parametrize("command", [["serve"], ["workspace", "create", "Boutique"]])
def test_missing_secret_outside_demo_mode_is_a_clear_error(command: list[str], db_url: str) -> None:
    r = run_fluide(*command, "--lang", "en", env={"FLUIDE_DATABASE_URL": db_url})
    assert r.returncode == 2
    assert "FLUIDE_SECRET_KEY is required outside demo mode" in r.stderr
    assert "secrets.token_urlsafe" in r.stderr  # says how to make one
    assert "Traceback" not in r.stderr + r.stdout


def test_missing_secret_message_is_french_by_default(db_url: str) -> None:
    r = runner.invoke(app, ["serve"], env={"FLUIDE_DATABASE_URL": db_url})
    assert r.exit_code == 2 and r.stderr.startswith("Erreur de configuration : FLUIDE_SECRET_KEY")


def test_unsupported_database_url_is_a_clear_error() -> None:
    r = run_fluide(
        "serve",
        "--lang",
        "en",
        env={"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": "mysql://db/fluide"},
    )
    assert r.returncode == 2
    assert "FLUIDE_DATABASE_URL must be sqlite:///PATH or postgresql://" in r.stderr
    assert "Traceback" not in r.stderr


def test_malformed_database_url_is_a_clear_error(tmp_path: Path) -> None:
    r = runner.invoke(
        app,
        ["workspace", "create", "X", "--lang", "en"],
        env={"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": "sqlite:relative.db"},
    )
    assert r.exit_code == 2, r.output
    assert "Cannot open the database sqlite:relative.db: this is not a database URL" in r.stderr


def test_unreachable_database_is_a_clear_error_with_the_password_hidden() -> None:
    url = f"postgresql://fluide:hunter2@127.0.0.1:{free_port()}/fluide"
    r = run_fluide(
        "workspace",
        "create",
        "X",
        "--lang",
        "en",
        env={"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": url},
    )
    assert r.returncode == 2
    assert "Cannot open the database postgresql+psycopg://fluide:***@127.0.0.1" in r.stderr
    assert "Check FLUIDE_DATABASE_URL" in r.stderr
    assert "hunter2" not in r.stderr and "Traceback" not in r.stderr


def test_short_secret_is_refused(db_url: str) -> None:
    r = runner.invoke(
        app, ["serve"], env={"FLUIDE_SECRET_KEY": "short", "FLUIDE_DATABASE_URL": db_url}
    )
    assert r.exit_code == 2 and "doit compter au moins 32 caractères" in r.stderr


# --- fluide serve -------------------------------------------------------------------------------


@pytest.fixture
def served(env: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fluide", "serve", "--port", str(port)],
        env={**clean, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield proc, f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def wait_ready(proc: subprocess.Popen[str], url: str, seconds: float = 30) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            out = proc.stdout.read() if proc.stdout else ""
            pytest.fail(f"fluide serve exited with {proc.returncode}:\n{out}")
        try:
            r = httpx.get(url + "/readyz", timeout=2)
            if r.status_code == 200:
                return r
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    pytest.fail(f"fluide serve was not ready (/readyz) within {seconds} s")


def test_serve_is_ready_on_the_chosen_port(
    served: tuple[subprocess.Popen[str], str], env: dict[str, str], db_url: str
) -> None:
    proc, url = served
    r = wait_ready(proc, url)
    body = r.json()
    assert body.pop("tagger") in ("loading", "model", "failed", "unknown")
    assert body == {"status": "ready", "database": "ok", "migrations": "current"}
    # The server it runs is the whole API, on the configured database.
    ws = json.loads(
        runner.invoke(app, ["workspace", "create", "Live", "--format", "json"], env=env).stdout
    )
    auth = {"Authorization": f"Bearer {ws['api_key']}"}
    assert httpx.get(url + "/v1/touchpoints", headers=auth, timeout=5).json() == {"touchpoints": []}
    assert httpx.get(url + "/docs", timeout=5).status_code == 200


# --- fluide demo: its own database file -----------------------------------------------------


def test_demo_uses_out_demo_and_starts_afresh_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    env = {"HOME": str(home), "XDG_DATA_HOME": str(home / ".local" / "share")}
    for _ in range(2):
        r = runner.invoke(app, ["demo", "--no-serve", "--weeks", "1", "--lang", "en"], env=env)
        assert r.exit_code == 0, r.output
        db = tmp_path / "out" / "demo" / "fluide.db"
        assert f"Fresh demo database: {db}" in r.stdout
    assert list(home.iterdir()) == []  # nothing written into the user's home
    engine = create_engine(f"sqlite:///{db}")
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(Workspace)) == 1
        key = next(w for w in r.stdout.split() if w.startswith("flk_"))
        assert authenticate(s, key) is not None
    engine.dispose()


def test_demo_public_url_follows_host_and_port(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    args = ["demo", "--no-serve", "--weeks", "1", "--port", "9123", "--host", "0.0.0.0"]
    r = runner.invoke(app, [*args, "--lang", "en"])
    assert r.exit_code == 0, r.output
    assert "Server: http://127.0.0.1:9123" in r.stdout
    assert "API documentation: http://127.0.0.1:9123/docs" in r.stdout
