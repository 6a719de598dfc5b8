"""The migrations build the schema the models describe, and 0005 upgrades a filled database."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from fastapi import FastAPI
from sqlalchemy import Engine, inspect, select

from fluide.services.workspaces import NewWorkspace
from fluide.settings import Settings
from fluide.storage.db import migrate
from fluide.storage.models import Base, Response, Workspace
from tests.verbatims import answer


def _config(conn: object) -> Config:
    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    config.attributes["connection"] = conn
    return config


def _differences(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        # Only Fluide's tables: on the shared test PostgreSQL, procrastinate's queue
        # tables (made by its own schema, not by these migrations) live beside them.
        def ours(name: str | None, type_: str, parent_names: object) -> bool:
            return type_ != "table" or name in Base.metadata.tables

        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": ours})
        diffs = compare_metadata(ctx, Base.metadata)
    if engine.dialect.name == "sqlite":
        # SQLite keeps no column lengths: VARCHAR(128) and TEXT are the same column there.
        diffs = [d for d in diffs if not (isinstance(d, list) and d and d[0][0] == "modify_type")]
    return diffs


def test_migrated_schema_matches_the_models(app: FastAPI) -> None:
    assert _differences(app.state.engine) == []


def test_0005_upgrades_and_downgrades_a_filled_database(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    engine: Engine = app.state.engine
    f = app.state.sessions
    [rid] = answer(f, settings, workspace.id, [(2, "Un commentaire d'avant")])
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0004")
    assert "erasures" not in inspect(engine).get_table_names()
    migrate(engine)
    with f() as s:
        ws = s.get(Workspace, workspace.id)
        assert ws is not None and ws.comment_retention_days is None
        response = s.execute(select(Response).where(Response.id == rid)).scalar_one()
        assert response.comment == "Un commentaire d'avant"
    assert _differences(engine) == []


def test_servers_starting_together_on_one_postgresql_migrate_it_once(postgres_url: str) -> None:
    """Three processes starting at once (three engines, three threads) on an empty
    database: each upgrade waits for the one before it, none fails."""
    import threading
    import uuid

    from sqlalchemy import create_engine, text

    from fluide.storage.db import make_engine

    admin = create_engine(
        postgres_url.replace("postgresql://", "postgresql+psycopg://"), isolation_level="AUTOCOMMIT"
    )
    name = f"fluide_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = postgres_url.replace("postgresql://", "postgresql+psycopg://").rsplit("/", 1)[0]
    engines = [make_engine(f"{url}/{name}") for _ in range(3)]
    errors: list[BaseException] = []

    def start(engine: Engine) -> None:
        try:
            migrate(engine)
        except BaseException as exc:  # the assertion below names it
            errors.append(exc)

    threads = [threading.Thread(target=start, args=(e,)) for e in engines]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        with engines[0].connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        assert version == ScriptDirectory.from_config(_config(None)).get_current_head()
        assert _differences(engines[0]) == []
    finally:
        for e in engines:
            e.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def test_0007_gives_the_new_default_keywords_only_to_tags_nobody_edited(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    import json
    from pathlib import Path

    from fluide.services.tags import ensure_seeded
    from fluide.storage.db import write_session
    from fluide.storage.models import Tag

    engine: Engine = app.state.engine
    f = app.state.sessions
    rules = json.loads(
        (
            Path(__file__).parents[2]
            / "src/fluide/storage/migrations/versions/0007_default_keywords.json"
        ).read_text("utf-8")
    )
    ensure_seeded(f, workspace.id)
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0006")
    with write_session(f) as s:
        tags = {t.key: t for t in s.scalars(select(Tag).where(Tag.workspace_id == workspace.id))}
        assert tags["payment"].keywords == rules["before"]["payment"]
        tags["delay"].keywords = [r"\bmy own rule"]
    migrate(engine)
    with f() as s:
        tags = {t.key: t for t in s.scalars(select(Tag).where(Tag.workspace_id == workspace.id))}
    assert tags["payment"].keywords == rules["after"]["payment"]
    assert tags["outage"].keywords == rules["after"]["outage"]
    assert tags["delay"].keywords == [r"\bmy own rule"]


def test_0011_fills_both_task_names_from_the_task(app: FastAPI, workspace: NewWorkspace) -> None:
    from fluide.inputs.requests import TouchpointIn
    from fluide.services import touchpoints
    from fluide.storage.models import Touchpoint
    from tests.service.conftest import touchpoint_body

    engine: Engine = app.state.engine
    f = app.state.sessions
    body = touchpoint_body(task="payer la facture", task_names={"en": "pay the invoice"})
    touchpoints.create(f, workspace.id, TouchpointIn(**body))
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0010")
    assert "task_names" not in {c["name"] for c in inspect(engine).get_columns("touchpoints")}
    migrate(engine)
    with f() as s:
        tp = s.execute(
            select(Touchpoint).where(Touchpoint.workspace_id == workspace.id)
        ).scalar_one()
    assert tp.task_names == {"fr": "payer la facture", "en": "payer la facture"}
    assert _differences(engine) == []


def test_0012_keeps_follow_ups_and_their_help_desk_tickets_both_ways(
    app: FastAPI, settings: Settings, workspace: NewWorkspace
) -> None:
    from datetime import UTC, datetime, timedelta

    from fluide.storage.dashboard_models import FollowUp
    from fluide.storage.db import write_session
    from fluide.storage.helpdesk_models import HelpdeskTicket
    from fluide.storage.models import EndUser

    engine: Engine = app.state.engine
    f = app.state.sessions
    answer(f, settings, workspace.id, [(1, "Impossible de payer")])
    now = datetime(2026, 12, 1, tzinfo=UTC)
    with write_session(f) as s:
        fu = s.execute(select(FollowUp)).scalar_one()
        user = s.execute(select(EndUser.id)).scalar_one()
        s.add(
            HelpdeskTicket(
                follow_up_id=fu.id,
                workspace_id=workspace.id,
                response_id=fu.response_id,
                provider="zendesk",
                state="pushed",
                attempts=1,
                created_at=now,
            )
        )
        s.add(
            FollowUp(
                id="fu_contact",
                workspace_id=workspace.id,
                user_id=user,
                reason="recontact",
                status="open",
                created_at=now,
                due_at=now + timedelta(hours=48),
                notify_attempts=0,
            )
        )
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0011")
    columns = {c["name"]: c for c in inspect(engine).get_columns("follow_ups")}
    assert "user_id" not in columns and not columns["response_id"]["nullable"]
    with engine.connect() as conn:
        ids = [r[0] for r in conn.exec_driver_sql("SELECT id FROM follow_ups")]
        tickets = [r[0] for r in conn.exec_driver_sql("SELECT follow_up_id FROM helpdesk_tickets")]
    assert ids == [fu.id] and tickets == [fu.id]  # the contact's follow-up had no answer
    migrate(engine)
    with f() as s:
        assert s.execute(select(HelpdeskTicket.follow_up_id)).scalar_one() == fu.id
        assert s.execute(select(FollowUp.user_id)).scalar_one() is None
    assert _differences(engine) == []


def test_0013_adds_the_outcome_event_types_and_takes_them_away(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    from fluide.storage.db import write_session

    engine: Engine = app.state.engine
    f = app.state.sessions
    with write_session(f) as s:
        s.get_one(Workspace, workspace.id).outcome_event_types = ["cancelled"]
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0012")
    assert "outcome_event_types" not in {
        c["name"] for c in inspect(engine).get_columns("workspaces")
    }
    migrate(engine)
    with f() as s:
        ws = s.get_one(Workspace, workspace.id)
        assert ws.name and ws.outcome_event_types is None  # NULL: the defaults


def test_0014_adds_the_benchmark_and_takes_it_away_keeping_the_rest(
    app: FastAPI, workspace: NewWorkspace
) -> None:
    from fluide.inputs.requests import TouchpointIn
    from fluide.services import touchpoints
    from fluide.storage.models import Touchpoint
    from tests.service.conftest import touchpoint_body

    engine: Engine = app.state.engine
    f = app.state.sessions
    touchpoints.create(f, workspace.id, TouchpointIn(**touchpoint_body(task_category="payment")))
    with engine.begin() as conn:
        command.downgrade(_config(conn), "0013")
    assert "benchmark_contributions" not in inspect(engine).get_table_names()
    assert "task_category" not in {c["name"] for c in inspect(engine).get_columns("touchpoints")}
    assert "benchmark_opt_in" not in {c["name"] for c in inspect(engine).get_columns("workspaces")}
    migrate(engine)
    with f() as s:
        tp = s.execute(select(Touchpoint)).scalar_one()
        ws = s.get_one(Workspace, workspace.id)
    assert tp.key == "payer" and tp.task_category is None  # the category went with 0014
    assert ws.benchmark_opt_in is False and ws.benchmark_contributor is None
    assert _differences(engine) == []
