"""Test helpers for erasure and retention: a customer with personal data in every table.

The customer's event carries properties, their profile an e-mail and
attributes, their answer a comment: all through the real use cases.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from fluide.api.schemas import EventIn
from fluide.services import workspace_settings
from fluide.services.events import record_events
from fluide.services.responses import record
from fluide.settings import Settings
from fluide.storage.erasure import CUSTOMER_TABLES
from fluide.storage.models import EndUser, Invitation, Response
from tests.verbatims import ensure_touchpoint, workspace_row

_n = itertools.count()


@dataclass(frozen=True)
class Answered:
    user: str
    response_id: str
    invitation_id: str


def customer(
    factory: sessionmaker[Session],
    settings: Settings,
    ws: str,
    *,
    user: str | None = None,
    email: str | None = None,
    comment: str | None = "Trois essais pour payer",
    score: int = 2,
    at: datetime,
    properties: dict[str, Any] | None = None,
    channel: str = "email",
    extra_answers: dict[str, Any] | None = None,
) -> Answered:
    """The customer reports an action at ``at`` − 2 min and answers at ``at``."""
    ensure_touchpoint(factory, ws, "payer")
    who = user or f"cust-{next(_n)}"
    event = EventIn.model_validate(
        {
            "id": f"evt-{who}-{next(_n)}",
            "type": "payment_succeeded",
            "occurred_at": (at - timedelta(minutes=2)).isoformat(),
            "user": {
                "id": who,
                "locale": "fr",
                "email": email or f"{who}@example.com",
                "attributes": {"plan": "pro", "customer_since": "2025-03-01"},
            },
            "channel": channel,
            "properties": properties or {"ticket_id": f"T-{next(_n)}"},
        }
    )
    decided = record_events(
        factory, workspace_row(factory, ws), [event], settings, now=at - timedelta(minutes=1)
    )
    invitation = decided[0]["invitation"]
    assert invitation is not None, decided
    token = str(invitation["url"]).rsplit("/s/", 1)[1]
    done = record(factory, settings, token, score, comment, extra_answers=extra_answers, now=at)
    return Answered(who, str(done.response["id"]), str(invitation["id"]))


def rows_of(factory: sessionmaker[Session], ws: str, external_id: str) -> dict[str, int]:
    """How many rows of each customer table belong to the customer (by their ids)."""
    with factory() as s:
        user = s.execute(
            select(EndUser.id).where(EndUser.workspace_id == ws, EndUser.external_id == external_id)
        ).scalar()
        if user is None:
            return {}
        invitations = list(
            s.execute(select(Invitation.id).where(Invitation.user_id == user)).scalars()
        )
        responses = list(s.execute(select(Response.id).where(Response.user_id == user)).scalars())
        ids = {"user": [user], "invitation": invitations, "response": responses}
        out = {}
        for t in CUSTOMER_TABLES:
            column = getattr(t.model, t.column)
            out[t.table] = out.get(t.table, 0) + int(
                s.execute(
                    select(func.count()).select_from(t.model).where(column.in_(ids[t.link]))
                ).scalar_one()
            )
        return out


def every_text(factory: sessionmaker[Session], ws: str | None = None) -> Iterator[str]:
    """Every row of every table, as text (to search for a customer's words)."""
    from fluide.storage.models import Base

    with factory() as s:
        for table in Base.metadata.sorted_tables:
            q = select(table)
            if ws is not None and "workspace_id" in table.c:
                q = q.where(table.c.workspace_id == ws)
            for row in s.execute(q):
                yield f"{table.name}: {tuple(row)!r}"


def database_files(engine: Engine) -> dict[str, bytes]:
    """Every file holding the database's rows, by name."""
    if engine.dialect.name == "sqlite":
        path = Path(str(engine.url.database))
        names = (path, Path(f"{path}-wal"), Path(f"{path}-shm"))
        return {p.name: p.read_bytes() for p in names if p.exists()}
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("CHECKPOINT")  # what is in shared buffers reaches the files
        data = conn.exec_driver_sql("SHOW data_directory").scalar_one()
        oid = conn.exec_driver_sql(
            "SELECT oid FROM pg_database WHERE datname = current_database()"
        ).scalar_one()
    folder = Path(data) / "base" / str(oid)
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def found(engine: Engine, *needles: str) -> dict[str, list[str]]:
    """Which of ``needles`` each database file holds (files holding none left out)."""
    out = {}
    for name, blob in database_files(engine).items():
        hits = [n for n in needles if n.encode() in blob]
        if hits:
            out[name] = hits
    return out


def keep(f: sessionmaker[Session], settings: Settings, ws: str, **days: int | None) -> None:
    """Set the workspace's retention periods (``comment_retention_days=…``), as the API does."""
    patch = workspace_settings.WorkspacePatch.model_validate(days)
    workspace_settings.update(f, settings, ws, patch)
