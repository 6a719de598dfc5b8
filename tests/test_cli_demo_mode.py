"""`FLUIDE_DEMO=true` runs `fluide serve` and `fluide worker` on `fluide demo`'s database only."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from fluide.cli import app
from fluide.demo import DEMO_NAME
from tests.demo_database import demo_database
from tests.test_cli_service import free_port, wait_ready

runner = CliRunner()
SECRET = "cli-test-secret-" + "d" * 40


pytestmark = pytest.mark.usefixtures("clean_env")  # no FLUIDE_* of the machine leaks in


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'real.db'}"


@pytest.mark.parametrize("command", [["serve"], ["worker", "--once", "--no-tagging"]])
def test_demo_mode_on_a_real_database_refuses_to_start_and_says_why(
    command: list[str], db_url: str
) -> None:
    env = {"FLUIDE_DEMO": "true", "FLUIDE_DATABASE_URL": db_url}
    assert runner.invoke(app, ["workspace", "create", "Boutique"], env=env).exit_code == 0
    r = runner.invoke(app, [*command, "--lang", "en"], env=env)
    assert r.exit_code == 2
    assert "FLUIDE_DEMO is on, but this database" in r.stderr
    assert "real.db" in r.stderr and "unset FLUIDE_DEMO and set FLUIDE_SECRET_KEY" in r.stderr
    assert "run `fluide demo`" in r.stderr and "Traceback" not in r.output
    fr = runner.invoke(app, command, env={**env, "FLUIDE_SECRET_KEY": SECRET})
    assert fr.exit_code == 2 and "n'a pas été créée par `fluide demo`" in fr.stderr


def test_the_worker_runs_in_demo_mode_on_a_demo_database(db_url: str) -> None:
    env = {"FLUIDE_DEMO": "true", "FLUIDE_DATABASE_URL": demo_database(db_url)}
    r = runner.invoke(app, ["worker", "--once", "--no-tagging", "--lang", "en"], env=env)
    assert r.exit_code == 0, r.output


@pytest.fixture
def demo_server(db_url: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`fluide serve` in demo mode on a demo's database (`fluide demo` marks it so:
    tests/service/test_cli_demo.py checks that), with the demo workspace in it."""
    env = {"FLUIDE_DEMO": "true", "FLUIDE_DATABASE_URL": demo_database(db_url)}
    assert runner.invoke(app, ["workspace", "create", DEMO_NAME], env=env).exit_code == 0
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.upper().startswith("FLUIDE_")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "fluide", "serve", "--port", str(port)],
        env={**clean, **env, "FLUIDE_WORKER": "external"},
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


def test_serve_in_demo_mode_runs_on_a_demo_database(
    demo_server: tuple[subprocess.Popen[str], str],
) -> None:
    proc, url = demo_server
    wait_ready(proc, url)
    shop = httpx.get(url + "/demo/shop", timeout=10, follow_redirects=False)
    assert shop.status_code == 303 and "user=visiteur-" in shop.headers["location"]
