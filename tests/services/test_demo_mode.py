"""Demo mode runs only on the database `fluide demo` made; its pages exist only there (both DBs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from fluide.api.app import create_app
from fluide.demo import DEMO_NAME
from fluide.services.demo_mode import DemoDatabaseRequired, is_demo_database
from fluide.services.workspaces import create_workspace
from fluide.settings import load_settings
from tests.demo_database import demo_database

DEMO_PAGES = ["/demo/shop", "/demo/shop/aide", "/demo/mailbox", "/demo/inbox"]


def test_demo_mode_on_a_database_fluide_demo_did_not_make_is_refused(
    app: FastAPI, database_url: str, tmp_path: Path
) -> None:
    create_workspace(app.state.sessions, "Real shop")  # a real database, with its customers
    demo = load_settings(demo=True, database_url=database_url, data_dir=tmp_path)
    with pytest.raises(DemoDatabaseRequired) as refused:
        create_app(demo)
    assert "FLUIDE_DEMO" in str(refused.value) and "fluide demo" in str(refused.value)
    assert "was not made by `fluide demo`" in refused.value.text("en")
    assert "n'a pas été créée par `fluide demo`" in refused.value.text("fr")


def test_demo_mode_without_a_secret_is_refused_on_a_new_empty_database(tmp_path: Path) -> None:
    demo = load_settings(demo=True, data_dir=tmp_path)
    with pytest.raises(DemoDatabaseRequired):
        create_app(demo)


def test_demo_mode_runs_on_the_database_fluide_demo_made(database_url: str, tmp_path: Path) -> None:
    demo_database(database_url)
    demo = load_settings(demo=True, database_url=database_url, data_dir=tmp_path)
    app = create_app(demo)
    try:
        assert is_demo_database(app.state.sessions)
        create_workspace(app.state.sessions, DEMO_NAME)
        client = TestClient(app)
        first = client.get("/demo/shop", follow_redirects=False)
        assert first.status_code == 303 and "user=visiteur-" in first.headers["location"]
    finally:
        app.state.engine.dispose()


def test_demo_pages_do_not_exist_outside_demo_mode(app: FastAPI, database_url: str) -> None:
    demo_database(database_url)  # even on a demo's database, demo mode must be asked for
    ws = create_workspace(app.state.sessions, DEMO_NAME)
    client = TestClient(app)
    for path in DEMO_PAGES:
        assert client.get(path, params={"ws": ws.id, "user": "u-1"}).status_code == 404, path
    assert client.post("/demo/webhook", content=b"{}").status_code == 404
