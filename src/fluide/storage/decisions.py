"""The SQL of deciding a batch of events: a few set-wise statements per request.

Users are created and locked in one fixed order (sorted external ids), so two
batches sharing users wait for each other instead of deadlocking. Their
invitation histories are read by a statement of their own *after* the lock:
on PostgreSQL a statement that waited for a row lock still reads with the
snapshot it started with, so a history read in the locking statement could
miss the invitation the lock holder had just committed.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import (
    ColumnElement,
    Insert,
    Select,
    String,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from fluide.domain.fatigue import as_utc
from fluide.storage.models import EndUser, Event, Invitation, Touchpoint, Workspace
from fluide.storage.types import new_id, utcnow

LOCK_ATTEMPTS: Final = 2
"""A user erased while this waited for its lock is made anew, once."""


@dataclass
class UserState:
    """A locked user as the batch sees it; the batch updates it event after event."""

    id: str
    external_id: str
    email: str | None
    locale: str | None
    attributes: dict[str, Any]
    opted_out: bool
    last_invited_at: datetime | None


def _postgres(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _among_param(column: Any, name: str, postgres: bool) -> ColumnElement[bool]:
    """``column IN :name``, the values given at execution; on PostgreSQL one array
    parameter, not one per value (a thousand placeholders cost psycopg more than the query)."""
    match: ColumnElement[bool] = (
        column == any_(bindparam(name, type_=ARRAY(String)))
        if postgres
        else column.in_(bindparam(name, expanding=True))
    )
    return match


def _run(s: Session, statements: tuple[Select[Any], Select[Any]], params: dict[str, Any]) -> Any:
    """Execute the SQLite or PostgreSQL form of a statement built once, on the
    session's connection: each batch of events runs these few statements, and
    building them anew (and the ORM's execution path) cost more than the queries."""
    return s.connection().execute(statements[_postgres(s)], params)


_USERS = EndUser.metadata.tables[EndUser.__tablename__]
_EVENTS = Event.metadata.tables[Event.__tablename__]
_INVITATIONS = Invitation.metadata.tables[Invitation.__tablename__]
_TOUCHPOINTS = Touchpoint.metadata.tables[Touchpoint.__tablename__]
_WORKSPACES = Workspace.metadata.tables[Workspace.__tablename__]

_WORKSPACE_STATE = select(
    _WORKSPACES.c.fatigue_days, _WORKSPACES.c.rules_version, _WORKSPACES.c.contact_event_types
).where(_WORKSPACES.c.id == bindparam("ws"))


def _stored_ids(pg: bool) -> Select[Any]:
    return select(_EVENTS.c.external_id).where(
        _EVENTS.c.workspace_id == bindparam("ws"),
        _among_param(_EVENTS.c.external_id, "ids", pg),
    )


def _locked_users(pg: bool) -> Select[Any]:
    q = (
        select(
            _USERS.c.id,
            _USERS.c.external_id,
            _USERS.c.email,
            _USERS.c.locale,
            _USERS.c.attributes,
            _USERS.c.opted_out_at,
            _USERS.c.last_invited_at,
        )
        .where(
            _USERS.c.workspace_id == bindparam("ws"), _among_param(_USERS.c.external_id, "ids", pg)
        )
        .order_by(_USERS.c.external_id)
    )
    # SQLite holds the database's write lock from BEGIN IMMEDIATE anyway.
    return q.with_for_update() if pg else q


def _histories(pg: bool) -> Select[Any]:
    return (
        select(_INVITATIONS.c.user_id, _TOUCHPOINTS.c.key, func.max(_INVITATIONS.c.created_at))
        .join(_TOUCHPOINTS, _TOUCHPOINTS.c.id == _INVITATIONS.c.touchpoint_id)
        .where(
            _INVITATIONS.c.workspace_id == bindparam("ws"),
            _among_param(_INVITATIONS.c.user_id, "ids", pg),
        )
        .group_by(_INVITATIONS.c.user_id, _TOUCHPOINTS.c.key)
    )


_STORED_IDS = (_stored_ids(False), _stored_ids(True))
_LOCKED_USERS = (_locked_users(False), _locked_users(True))
_HISTORIES = (_histories(False), _histories(True))


def workspace_rules(s: Session, ws: str) -> tuple[int, int] | None:
    """The workspace's fatigue days and rules version, as committed (None: no such workspace)."""
    row = s.execute(
        select(Workspace.fatigue_days, Workspace.rules_version).where(Workspace.id == ws)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def workspace_state(s: Session, ws: str) -> tuple[int, int, list[str] | None] | None:
    """:func:`workspace_rules` and the contact event types as stored (``None``: the
    defaults), in the same statement: deciding events costs no extra round trip."""
    row = s.connection().execute(_WORKSPACE_STATE, {"ws": ws}).first()
    return None if row is None else (int(row[0]), int(row[1]), row[2])


def stored_event_ids(s: Session, ws: str, external_ids: Collection[str]) -> set[str]:
    """Which of these event ids the workspace already has."""
    if not external_ids:
        return set()
    return set(_run(s, _STORED_IDS, {"ws": ws, "ids": list(external_ids)}).scalars())


_PG_CREATE = text(
    # unnest WITH ORDINALITY keeps the sorted order: rows are inserted (and
    # wait for a concurrent insert of the same user) in the lock order.
    "INSERT INTO end_users (id, workspace_id, external_id, attributes, created_at) "
    "SELECT u.id, :ws, u.external_id, '{}'::jsonb, :now "
    "FROM unnest(CAST(:ids AS varchar[]), CAST(:external_ids AS varchar[])) "
    "WITH ORDINALITY AS u(id, external_id, n) ORDER BY u.n "
    "ON CONFLICT (workspace_id, external_id) DO NOTHING"
)


_SQLITE_CREATE = sqlite_insert(_USERS).on_conflict_do_nothing(
    index_elements=["workspace_id", "external_id"]
)


def _create_users(s: Session, ws: str, external_ids: list[str], postgres: bool) -> None:
    """Insert the users that do not exist yet, in the order given, in one statement."""
    now = utcnow()
    ids = [new_id("usr") for _ in external_ids]
    if postgres:
        s.execute(_PG_CREATE, {"ws": ws, "now": now, "ids": ids, "external_ids": external_ids})
        return
    s.connection().execute(
        _SQLITE_CREATE,
        [
            {"id": i, "workspace_id": ws, "external_id": x, "attributes": {}, "created_at": now}
            for i, x in zip(ids, external_ids, strict=True)
        ],
    )


def _read_users(s: Session, ws: str, wanted: list[str], found: dict[str, UserState]) -> list[str]:
    """Add the ``wanted`` users stored (and, on PostgreSQL, lock them); those not found."""
    for r in _run(s, _LOCKED_USERS, {"ws": ws, "ids": wanted}):
        found[r.external_id] = UserState(
            r.id,
            r.external_id,
            r.email,
            r.locale,
            dict(r.attributes or {}),
            r.opted_out_at is not None,
            r.last_invited_at,
        )
    return [x for x in wanted if x not in found]


def lock_users(s: Session, ws: str, external_ids: Collection[str]) -> dict[str, UserState]:
    """The users, created if new, locked until the transaction ends; by external id.

    PostgreSQL: ``SELECT … FOR UPDATE`` in sorted order; SQLite holds the
    database's write lock from ``BEGIN IMMEDIATE`` anyway.
    """
    postgres = _postgres(s)
    found: dict[str, UserState] = {}
    wanted = sorted(set(external_ids))
    for _ in range(LOCK_ATTEMPTS):
        if not wanted:
            return found
        _create_users(s, ws, wanted, postgres)
        wanted = _read_users(s, ws, wanted, found)
    if not wanted:
        return found
    raise RuntimeError(f"users {wanted[:3]!r} vanished twice while being locked")


def invitation_histories(
    s: Session, ws: str, user_ids: Collection[str]
) -> dict[str, dict[str, datetime]]:
    """Each user's last invitation per touchpoint key (users never invited are absent)."""
    out: dict[str, dict[str, datetime]] = {}
    if not user_ids:
        return out
    rows = _run(s, _HISTORIES, {"ws": ws, "ids": list(user_ids)}).all()
    for user_id, key, last in rows:
        if last is not None:
            # as_utc: func.max() may come back naive from SQLite (it is UTC).
            out.setdefault(str(user_id), {})[str(key)] = as_utc(last)
    return out


def _params(rows: Sequence[dict[str, Any]]) -> dict[str, Any] | list[dict[str, Any]]:
    """One row's parameters alone, not a list of one: most requests hold one event, and
    psycopg's executemany (a pipeline) costs more than an execute for a single row."""
    return rows[0] if len(rows) == 1 else list(rows)


def insert_all(s: Session, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    """One bulk INSERT of ``rows``, each giving every column.

    Core's executemany, not the ORM's bulk insert (which sends one statement
    per row to PostgreSQL): psycopg pipelines the rows in one round trip,
    SQLite runs them in-process.
    """
    if rows:
        name = model.__tablename__
        statement = _INSERTS.get(name)
        if statement is None:
            statement = _INSERTS[name] = insert(model.metadata.tables[name])
        s.connection().execute(statement, _params(rows))


_INSERTS: dict[str, Insert] = {}
"""Each table's INSERT, built once (as the statements above)."""


_UPDATE_USERS = (
    update(_USERS)
    .where(_USERS.c.id == bindparam("user_id"))
    .values(
        # Bound names differ from the columns' (SQLAlchemy reserves those).
        email=bindparam("new_email", type_=_USERS.c.email.type),
        locale=bindparam("new_locale", type_=_USERS.c.locale.type),
        attributes=bindparam("new_attributes", type_=_USERS.c.attributes.type),
        last_invited_at=bindparam("new_last_invited_at", type_=_USERS.c.last_invited_at.type),
    )
)


def update_users(s: Session, users: Sequence[UserState]) -> None:
    """Write the users' contact, attributes and last invitation back, in one executemany."""
    if not users:
        return
    s.connection().execute(
        _UPDATE_USERS,
        _params(
            [
                {
                    "user_id": u.id,
                    "new_email": u.email,
                    "new_locale": u.locale,
                    "new_attributes": u.attributes,
                    "new_last_invited_at": u.last_invited_at,
                }
                for u in users
            ]
        ),
    )
