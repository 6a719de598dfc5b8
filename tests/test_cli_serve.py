"""`fluide serve` on SQLite: one process, refused --workers, graceful SIGTERM under load."""

from __future__ import annotations

import json
import signal
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from fluide.storage.models import Event
from tests import served
from tests.test_cli_service import SECRET, run_fluide

pytestmark = pytest.mark.usefixtures("clean_env")


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("en", "--workers 2 needs PostgreSQL: SQLite has a single writer"),
        ("fr", "--workers 2 demande PostgreSQL : SQLite n'a qu'un seul écrivain"),
    ],
)
def test_several_workers_on_sqlite_are_refused_before_anything_starts(
    tmp_path: Path, lang: str, words: str
) -> None:
    db = tmp_path / "data" / "fluide.db"
    env = {"FLUIDE_SECRET_KEY": SECRET, "FLUIDE_DATABASE_URL": f"sqlite:///{db}"}
    port = str(served.free_port())
    r = run_fluide("serve", "--workers", "2", "--port", port, "--lang", lang, env=env)
    assert r.returncode == 2
    assert words in r.stderr and "FLUIDE_DATABASE_URL" in r.stderr
    assert "Traceback" not in r.stderr
    assert not db.exists() and not db.parent.exists()  # nothing migrated, nothing created


def stored(db_url: str, ids: list[str]) -> set[str]:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return set(s.scalars(select(Event.external_id).where(Event.external_id.in_(ids))))
    finally:
        engine.dispose()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")
def test_sigterm_during_load_loses_no_acknowledged_event_and_leaves_no_process(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'fluide.db'}"
    env = served.clean_env(FLUIDE_SECRET_KEY=SECRET, FLUIDE_DATABASE_URL=db_url)
    made = run_fluide("workspace", "create", "Boutique", "--format", "json", env=env)
    key = json.loads(made.stdout)["api_key"]
    port = served.free_port()
    url = f"http://127.0.0.1:{port}"
    server = served.start(env, "--port", str(port))
    kids: list[int] = []
    try:
        served.wait_healthy(server, url)
        served.payer(url, key)
        kids = served.children(server.pid)
        assert any("--tagging-only" in served.command_line(k) for k in kids)
        with served.Load([url], key, threads=6) as load:
            load.wait_acked(30)
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)
        assert server.returncode == 0, served.messages(server)
    finally:
        served.stop(server)
        leftover = served.still_running(kids)
        served.end_all(kids)
    assert leftover == []
    assert set(load.statuses) <= {200, 503}, load.summary()
    assert stored(db_url, load.acked) == set(load.acked)
