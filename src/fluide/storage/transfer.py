"""A workspace's tables, walked for export and import (the only SQL of the transfer).

Which rows are a workspace's is read from the metadata, not listed by hand:
``workspaces`` itself by its id, every table with a ``workspace_id`` column by
it, and a table without one through a foreign key to a table already covered.
A table none of these reaches must be named in :data:`INSTANCE_TABLES`, else
:func:`scopes` refuses it: a new table can never be silently left out.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import (
    Column,
    ColumnElement,
    MetaData,
    String,
    Table,
    any_,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from fluide.storage.row_codec import kind_of

ROOT: Final = "workspaces"
INSTANCE_TABLES: Final = {
    "login_throttles": "failed-login counts of the whole instance (keyed by a hash)",
    "instance_meta": "facts about the database itself (e.g. that it is the demo's)",
    "benchmark_contributions": "other companies' benchmark aggregates, imported by the operator",
}
"""Tables that belong to no workspace: never exported, never touched by an import."""
NOT_EXPORTED: Final = {
    "dashboard_sessions": "live logins: people sign in again after a move",
}
"""A workspace's tables left out of its export, and why."""


class UncoveredTable(RuntimeError):
    """A table that is neither a workspace's nor listed as the instance's."""


@dataclass(frozen=True)
class Scope:
    """How one table's rows belong to a workspace.

    ``column`` holds the workspace id, or (``parent`` set) refers to a row of
    ``parent``'s table that belongs to it.
    """

    table: Table
    column: Column[Any]
    parent: Scope | None = None
    referred: Column[Any] | None = None

    @property
    def name(self) -> str:
        return self.table.name

    def where(self, workspace_id: str) -> ColumnElement[bool]:
        if self.parent is None or self.referred is None:
            return self.column == workspace_id
        owned = select(self.referred).where(self.parent.where(workspace_id))
        return self.column.in_(owned)

    def check_codecs(self) -> None:
        """Refuse a column type without a lossless codec."""
        for c in self.table.columns:
            kind_of(c)


def scopes(metadata: MetaData) -> list[Scope]:
    """Every table of a workspace, parents first (``sorted_tables``)."""
    found: dict[str, Scope] = {}
    for table in metadata.sorted_tables:
        if table.name in INSTANCE_TABLES:
            continue
        if table.name == ROOT:
            found[table.name] = Scope(table, table.c.id)
        elif "workspace_id" in table.c:
            found[table.name] = Scope(table, table.c.workspace_id)
        else:
            found[table.name] = _through_foreign_key(table, found)
    return list(found.values())


def _through_foreign_key(table: Table, found: dict[str, Scope]) -> Scope:
    for fk in sorted(table.foreign_keys, key=lambda k: (k.parent.name, k.target_fullname)):
        parent = found.get(fk.column.table.name)
        if parent is not None and not fk.parent.nullable:
            return Scope(table, fk.parent, parent, fk.column)
    raise UncoveredTable(
        f"table {table.name!r} has no workspace_id and no required foreign key to a "
        "workspace's table: give it one, or list it in INSTANCE_TABLES"
    )


def exported(metadata: MetaData) -> list[Scope]:
    """The tables an export holds, parents first; every column type has a codec."""
    out = [s for s in scopes(metadata) if s.name not in NOT_EXPORTED]
    for scope in out:
        scope.check_codecs()
    return out


def referred_columns(metadata: MetaData) -> dict[str, set[str]]:
    """Per table, its columns that a foreign key of another row refers to."""
    out: dict[str, set[str]] = {t: set() for t in metadata.tables}
    for table in metadata.tables.values():
        for fk in table.foreign_keys:
            out[fk.column.table.name].add(fk.column.name)
    return out


def _ordered(session: Session, column: Column[Any]) -> ColumnElement[Any]:
    # Byte order on both databases: PostgreSQL's default collation may differ.
    if session.get_bind().dialect.name == "postgresql" and isinstance(column.type, String):
        return column.collate("C")
    return column


@contextmanager
def snapshot(factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session whose reads all see one moment (the tables of an export agree)."""
    with factory() as s:
        if s.get_bind().dialect.name == "postgresql":
            s.connection(
                execution_options={
                    "isolation_level": "REPEATABLE READ",
                    "postgresql_readonly": True,
                }
            )
        yield s


def read_rows(
    s: Session, scope: Scope, workspace_id: str, batch: int = 2000
) -> Iterator[Sequence[Any]]:
    """The workspace's rows of one table (values in column order), by primary key, streamed."""
    table = scope.table
    stmt = (
        select(table)
        .where(scope.where(workspace_id))
        .order_by(*(_ordered(s, c) for c in table.primary_key.columns))
        .execution_options(yield_per=batch)
    )
    yield from s.execute(stmt)


class Conflict(Exception):
    """The database refused rows: a constraint (named if the driver says which) failed."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(constraint or "constraint")
        self.constraint = constraint


def insert_rows(s: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert rows (every column given); :class:`Conflict` if a constraint refuses them."""
    if not rows:
        return
    try:
        if s.get_bind().dialect.name == "postgresql":
            _copy(s, table, rows)
        else:
            s.execute(insert(table), list(rows))  # SQLite's executemany runs in-process
    except IntegrityError as exc:
        raise Conflict(_constraint(exc.orig)) from None
    except Exception as exc:
        import psycopg

        if isinstance(exc, psycopg.IntegrityError):
            raise Conflict(_constraint(exc)) from None
        raise


def _constraint(exc: object) -> str | None:
    name = getattr(getattr(exc, "diag", None), "constraint_name", None)
    return None if name is None else str(name)


def _copy(s: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """PostgreSQL's COPY, within the session's transaction: one round trip per chunk.

    (psycopg's executemany sends one INSERT per row.) Values go through each
    column type's own bind processing, exactly as an INSERT would send them.
    """
    conn = s.connection()
    dialect = conn.dialect
    quote = dialect.identifier_preparer
    columns = [
        (c.name, c.type.dialect_impl(dialect).bind_processor(dialect)) for c in table.columns
    ]
    names = ", ".join(quote.quote(name) for name, _ in columns)
    statement = f"COPY {quote.format_table(table)} ({names}) FROM STDIN"
    driver = conn.connection.driver_connection
    assert driver is not None
    with driver.cursor() as cur, cur.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] if p is None else p(row[n]) for n, p in columns])


def unique_columns(table: Table) -> list[Column[Any]]:
    """The columns whose value alone must be unique in the table (key and unique ones)."""
    out: dict[str, Column[Any]] = {}
    if len(table.primary_key.columns) == 1:
        for c in table.primary_key.columns:
            out[c.name] = c
    for c in table.columns:
        if c.unique:
            out[c.name] = c
    for index in table.indexes:
        if index.unique and len(index.columns) == 1:
            for c in index.columns:
                out[c.name] = c
    return list(out.values())


def taken(s: Session, column: Column[Any], values: Iterable[Any]) -> list[Any]:
    """Which of ``values`` the database already holds in ``column``."""
    wanted = sorted({v for v in values if v is not None})
    if not wanted:
        return []
    if s.get_bind().dialect.name == "postgresql":
        # One array parameter rather than one parameter per value.
        match = column == any_(literal(wanted, ARRAY(column.type)))
    else:
        match = column.in_(wanted)
    return sorted(s.scalars(select(column).where(match)))


def workspace_name(s: Session, metadata: MetaData, workspace_id: str) -> str | None:
    """The name of the workspace if the database holds it."""
    table = metadata.tables[ROOT]
    found = s.scalar(select(table.c.name).where(table.c.id == workspace_id))
    return None if found is None else str(found)


def _script() -> Any:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", "fluide.storage:migrations")
    return ScriptDirectory.from_config(config)


def head_revision() -> str:
    """The newest migration this Fluide knows (e.g. ``0005``)."""
    return str(_script().get_current_head())


def known_revisions() -> list[str]:
    """Every migration this Fluide knows, oldest first."""
    return [str(r.revision) for r in reversed(list(_script().walk_revisions()))]


def schema_revision(s: Session) -> str | None:
    """The migration the database is at (``None``: never migrated)."""
    from alembic.runtime.migration import MigrationContext

    revision = MigrationContext.configure(s.connection()).get_current_revision()
    return None if revision is None else str(revision)
