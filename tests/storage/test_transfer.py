"""Which tables a workspace export covers: all of the workspace's, read from the metadata."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Column, ForeignKey, Integer, MetaData, String, Table, create_engine, insert
from sqlalchemy.orm import Session, sessionmaker

from fluide.storage import transfer as store
from fluide.storage.models import Base


def test_every_table_is_a_workspace_s_or_listed_as_the_instance_s() -> None:
    """A new table must be covered (workspace_id or a foreign key) or excluded by name."""
    covered = {s.name for s in store.scopes(Base.metadata)}
    assert covered | set(store.INSTANCE_TABLES) == set(Base.metadata.tables)
    assert not covered & set(store.INSTANCE_TABLES)
    assert set(store.INSTANCE_TABLES) == {
        "login_throttles",
        "instance_meta",
        "benchmark_contributions",
    }
    exported = [s.name for s in store.exported(Base.metadata)]
    assert set(exported) == covered - set(store.NOT_EXPORTED)
    assert set(store.NOT_EXPORTED) == {"dashboard_sessions"}
    assert exported[0] == "workspaces"


def test_export_order_puts_every_parent_before_its_children() -> None:
    order = [s.name for s in store.exported(Base.metadata)]
    for scope in store.exported(Base.metadata):
        for fk in scope.table.foreign_keys:
            assert order.index(fk.column.table.name) < order.index(scope.name)


def test_no_exported_table_has_a_generated_key() -> None:
    """String ids come with the rows: no sequence to reset after an import."""
    for scope in store.exported(Base.metadata):
        for column in scope.table.primary_key.columns:
            assert isinstance(column.type, String), f"{scope.name}.{column.name}"
        assert scope.table.autoincrement_column is None, scope.name


def test_a_new_table_neither_covered_nor_excluded_is_refused() -> None:
    md = MetaData()
    Table("workspaces", md, Column("id", String(40), primary_key=True))
    Table("stray", md, Column("id", String(40), primary_key=True), Column("value", String(10)))
    with pytest.raises(store.UncoveredTable, match="stray"):
        store.scopes(md)


def test_an_optional_foreign_key_does_not_make_a_table_the_workspace_s() -> None:
    md = MetaData()
    Table("workspaces", md, Column("id", String(40), primary_key=True))
    Table(
        "loose",
        md,
        Column("id", String(40), primary_key=True),
        Column("ws", ForeignKey("workspaces.id"), nullable=True),
    )
    with pytest.raises(store.UncoveredTable, match="loose"):
        store.scopes(md)


def test_unique_columns_are_the_key_and_the_unique_ones() -> None:
    accounts = Base.metadata.tables["accounts"]
    assert {c.name for c in store.unique_columns(accounts)} == {"id", "email"}
    keys = Base.metadata.tables["api_keys"]
    assert {c.name for c in store.unique_columns(keys)} == {"id", "key_hash"}
    ws = Base.metadata.tables["workspaces"]
    assert {c.name for c in store.unique_columns(ws)} == {"id", "widget_public_key"}


# --- A table reached through a foreign key only ------------------------------------

MD = MetaData()
WS = Table("workspaces", MD, Column("id", String(40), primary_key=True))
ITEMS = Table(
    "items",
    MD,
    Column("id", String(40), primary_key=True),
    Column("workspace_id", ForeignKey("workspaces.id"), nullable=False),
)
PARTS = Table(  # no workspace_id: it belongs through its item
    "parts",
    MD,
    Column("id", String(40), primary_key=True),
    Column("item_id", ForeignKey("items.id"), nullable=False),
    Column("n", Integer),
)
BOLTS = Table(  # two steps away
    "bolts",
    MD,
    Column("id", String(40), primary_key=True),
    Column("part_id", ForeignKey("parts.id"), nullable=False),
)


@pytest.fixture
def synthetic(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    engine = create_engine(f"sqlite:///{tmp_path / 'fk.db'}")
    MD.create_all(engine)
    with engine.begin() as conn:
        conn.execute(insert(WS), [{"id": "ws_a"}, {"id": "ws_b"}])
        conn.execute(
            insert(ITEMS),
            [{"id": "i1", "workspace_id": "ws_a"}, {"id": "i2", "workspace_id": "ws_b"}],
        )
        conn.execute(
            insert(PARTS),
            [
                {"id": "p2", "item_id": "i1", "n": 2},
                {"id": "p1", "item_id": "i1", "n": 1},
                {"id": "p3", "item_id": "i2", "n": 3},
            ],
        )
        conn.execute(insert(BOLTS), [{"id": "b1", "part_id": "p1"}, {"id": "b3", "part_id": "p3"}])
    yield sessionmaker(engine)
    engine.dispose()


def test_a_table_without_workspace_id_is_read_through_its_foreign_key(
    synthetic: sessionmaker[Session],
) -> None:
    scopes = {s.name: s for s in store.scopes(MD)}
    assert scopes["parts"].parent is scopes["items"]
    assert scopes["bolts"].parent is scopes["parts"]
    with synthetic() as s:
        parts = [tuple(r) for r in store.read_rows(s, scopes["parts"], "ws_a")]
        bolts = [tuple(r) for r in store.read_rows(s, scopes["bolts"], "ws_a")]
        other = [tuple(r) for r in store.read_rows(s, scopes["bolts"], "ws_b")]
    assert parts == [("p1", "i1", 1), ("p2", "i1", 2)]  # key order
    assert bolts == [("b1", "p1")]
    assert other == [("b3", "p3")]
