"""contacts from events: which event types are contacts, the promise alert, an index

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 19:00:00

Plain ADD COLUMN (see 0005: a batch copy of a filled table fails on SQLite).
``NULL`` in both new columns means Fluide's defaults (services.contacts).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("workspaces", sa.Column("contact_event_types", _JSON, nullable=True))
    op.add_column("workspaces", sa.Column("promise_alert_hours", sa.Integer(), nullable=True))
    op.create_index(
        "ix_events_type", "events", ["workspace_id", "type", "occurred_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_events_type", table_name="events")
    op.drop_column("workspaces", "promise_alert_hours")
    op.drop_column("workspaces", "contact_event_types")
