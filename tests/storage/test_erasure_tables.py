"""Erasure cannot forget a table: every table tied to a customer is in CUSTOMER_TABLES."""

from __future__ import annotations

from fluide.storage.erasure import CUSTOMER_TABLES
from fluide.storage.models import Base

CUSTOMER_KEYS = {"end_users", "events", "invitations", "responses"}
"""Rows of these tables are a customer's: a table pointing at one holds their data."""


def test_every_table_pointing_at_a_customer_s_rows_is_erased() -> None:
    listed = {t.model.__table__.name for t in CUSTOMER_TABLES}  # type: ignore[attr-defined]
    tied = {
        table.name
        for table in Base.metadata.tables.values()
        if any(fk.column.table.name in CUSTOMER_KEYS for fk in table.foreign_keys)
    }
    assert tied - listed == set(), "add these tables to fluide.storage.erasure.CUSTOMER_TABLES"
    assert listed >= CUSTOMER_KEYS


def test_the_personal_columns_named_exist() -> None:
    for t in CUSTOMER_TABLES:
        columns = t.model.__table__.columns  # type: ignore[attr-defined]
        assert t.column in columns
        assert set(t.personal) <= set(columns.keys()), t.model.__tablename__
