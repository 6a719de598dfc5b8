"""``/healthz`` says the process is alive; ``/readyz`` that it can serve (database, schema)."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

from fluide.storage.monitoring import head_revision

ERROR_KEYS = {"code", "message", "details"}


def test_ready_when_the_database_answers_at_the_code_s_migration(client: TestClient) -> None:
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {
        "status": "ready",
        "database": "ok",
        "migrations": "current",
        "tagger": "unknown",  # no tagging worker runs beside this test's app
    }


def test_unreachable_database_is_a_503_naming_it_while_healthz_stays_alive(
    client: TestClient, app: FastAPI
) -> None:
    real = app.state.engine
    app.state.engine = create_engine("sqlite:////nonexistent-folder/fluide.db")
    try:
        r = client.get("/readyz", headers={"Accept-Language": "en"})
        alive = client.get("/healthz")
    finally:
        app.state.engine.dispose()
        app.state.engine = real
    assert r.status_code == 503 and set(r.json()["error"]) == ERROR_KEYS
    assert r.json()["error"]["code"] == "database_unreachable"
    assert r.json()["error"]["message"] == "The database does not answer."
    assert "nonexistent" not in r.text  # no database address in a public answer
    assert r.headers["x-request-id"]
    assert alive.status_code == 200 and alive.json() == {"status": "ok"}


def test_a_schema_behind_the_code_is_a_503_with_both_revisions(
    client: TestClient, app: FastAPI
) -> None:
    head = head_revision()
    engine = app.state.engine
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0005'"))
    try:
        r = client.get("/readyz")
    finally:
        with engine.begin() as conn:  # the PostgreSQL schema is shared by later tests
            conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": head})
    assert r.status_code == 503
    error = r.json()["error"]
    assert error["code"] == "migrations_pending"
    assert error["details"] == {"current": "0005", "expected": head}
    assert "0005" in error["message"] and str(head) in error["message"]  # French by default
